package dev.acitrace.snapshotter.grpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.FieldMask;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.CleanupRequest;
import dev.acitrace.snapshotter.proto.CommitSnapshotRequest;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.ListSnapshotsResponse;
import dev.acitrace.snapshotter.proto.MountsRequest;
import dev.acitrace.snapshotter.proto.PrepareSnapshotRequest;
import dev.acitrace.snapshotter.proto.RemoveSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotRequest;
import dev.acitrace.snapshotter.proto.UsageRequest;
import dev.acitrace.snapshotter.proto.UsageResponse;
import dev.acitrace.snapshotter.proto.ViewSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A {@link Snapshotter} that calls a remote {@code containerd.services.snapshots.v1.Snapshots} service:
 * ours, or any proxy snapshotter. gRPC failures with the codes of the snapshotter exceptions come back
 * as those exceptions; other failures as {@link StatusRuntimeException}.
 *
 * <p>Calls run on the caller's thread and in its {@link io.grpc.Context} and OpenTelemetry context, so
 * a tracing client interceptor on the channel sees the caller's current span and baggage.
 * {@link #close()} does not shut the channel down: whoever built it owns it.
 */
public final class SnapshotsClient implements Snapshotter {

  private final Channel channel;
  private final String snapshotterName;

  private SnapshotsClient(Channel channel, String snapshotterName) {
    this.channel = channel;
    this.snapshotterName = snapshotterName;
  }

  /**
   * Creates a client.
   *
   * @param channel the channel to the service (intercepted as the caller wishes)
   * @param snapshotterName the {@code snapshotter} field sent in requests; proxy snapshotters ignore it
   * @return the client
   */
  public static SnapshotsClient create(Channel channel, String snapshotterName) {
    return new SnapshotsClient(requireNonNull(channel, "channel"), requireNonNull(snapshotterName, "snapshotterName"));
  }

  /**
   * A plaintext channel builder for a service on a unix domain socket, as containerd connects.
   *
   * @param socket the socket path
   * @return the channel builder
   */
  public static ManagedChannelBuilder<?> unixChannel(Path socket) {
    requireNonNull(socket, "socket");
    ManagedChannelBuilder<?> builder =
        Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create());
    if (builder instanceof NettyChannelBuilder netty) {
      // grpc-java asks for TCP keep-alive, which a unix socket does not have (Netty logs a warning
      // per connection); a null value removes the option
      netty.withOption(ChannelOption.SO_KEEPALIVE, null);
    }
    return builder;
  }

  @Override
  public SnapshotInfo stat(String key) {
    return ProtoMapping.fromProto(call(SnapshotsRpc.STAT,
        StatSnapshotRequest.newBuilder().setSnapshotter(snapshotterName).setKey(key).build()).getInfo());
  }

  @Override
  public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
    requireNonNull(info, "info");
    Info wire = Info.newBuilder().setName(info.name()).putAllLabels(info.labels()).build();
    UpdateSnapshotRequest request = UpdateSnapshotRequest.newBuilder()
        .setSnapshotter(snapshotterName)
        .setInfo(wire)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(fieldPaths))
        .build();
    return ProtoMapping.fromProto(call(SnapshotsRpc.UPDATE, request).getInfo());
  }

  @Override
  public Usage usage(String key) {
    UsageResponse response = call(SnapshotsRpc.USAGE,
        UsageRequest.newBuilder().setSnapshotter(snapshotterName).setKey(key).build());
    return new Usage(response.getSize(), response.getInodes());
  }

  @Override
  public List<Mount> mounts(String key) {
    return ProtoMapping.fromProto(call(SnapshotsRpc.MOUNTS,
        MountsRequest.newBuilder().setSnapshotter(snapshotterName).setKey(key).build()).getMountsList());
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    PrepareSnapshotRequest request = PrepareSnapshotRequest.newBuilder()
        .setSnapshotter(snapshotterName).setKey(key).setParent(parent).putAllLabels(labels).build();
    return ProtoMapping.fromProto(call(SnapshotsRpc.PREPARE, request).getMountsList());
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels) {
    ViewSnapshotRequest request = ViewSnapshotRequest.newBuilder()
        .setSnapshotter(snapshotterName).setKey(key).setParent(parent).putAllLabels(labels).build();
    return ProtoMapping.fromProto(call(SnapshotsRpc.VIEW, request).getMountsList());
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) {
    call(SnapshotsRpc.COMMIT, CommitSnapshotRequest.newBuilder()
        .setSnapshotter(snapshotterName).setName(name).setKey(key).putAllLabels(labels).build());
  }

  @Override
  public void remove(String key) {
    call(SnapshotsRpc.REMOVE, RemoveSnapshotRequest.newBuilder().setSnapshotter(snapshotterName).setKey(key).build());
  }

  @Override
  public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
    requireNonNull(visitor, "visitor");
    ListSnapshotsRequest request = ListSnapshotsRequest.newBuilder()
        .setSnapshotter(snapshotterName).addAllFilters(filters).build();
    try {
      Iterator<ListSnapshotsResponse> responses =
          ClientCalls.blockingServerStreamingCall(channel, SnapshotsRpc.LIST, CallOptions.DEFAULT, request);
      while (responses.hasNext()) {
        for (Info info : responses.next().getInfoList()) {
          visitor.accept(ProtoMapping.fromProto(info));
        }
      }
    } catch (StatusRuntimeException e) {
      throw Errors.fromStatus(e);
    }
  }

  @Override
  public void cleanup() {
    call(SnapshotsRpc.CLEANUP, CleanupRequest.newBuilder().setSnapshotter(snapshotterName).build());
  }

  /** Does nothing: the channel belongs to whoever created it. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "SnapshotsClient{" + channel.authority() + "}";
  }

  private <Q, R> R call(MethodDescriptor<Q, R> method, Q request) {
    try {
      return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);
    } catch (StatusRuntimeException e) {
      throw Errors.fromStatus(e);
    }
  }
}
