package dev.acitrace.snapshotter.proxy;

import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.proto.CleanupRequest;
import dev.acitrace.snapshotter.proto.CommitSnapshotRequest;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.ListSnapshotsResponse;
import dev.acitrace.snapshotter.proto.MountsRequest;
import dev.acitrace.snapshotter.proto.MountsResponse;
import dev.acitrace.snapshotter.proto.PrepareSnapshotRequest;
import dev.acitrace.snapshotter.proto.PrepareSnapshotResponse;
import dev.acitrace.snapshotter.proto.RemoveSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotResponse;
import dev.acitrace.snapshotter.proto.UpdateSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotResponse;
import dev.acitrace.snapshotter.proto.UsageRequest;
import dev.acitrace.snapshotter.proto.UsageResponse;
import dev.acitrace.snapshotter.proto.ViewSnapshotRequest;
import dev.acitrace.snapshotter.proto.ViewSnapshotResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What containerd does to a snapshotter, every RPC and the usual failures, sent as wire bytes; the answers
 * written down as a transcript, with what differs between two equal snapshotters taken out (their root
 * directories, clocks). Two transcripts are equal when the two channels answer alike: this is how the
 * proxy is shown transparent (one channel straight to an upstream, one through the proxy to its twin).
 */
final class Scenario {

  private final Channel channel;
  private final String root;
  private final List<String> transcript = new ArrayList<>();

  private Scenario(Channel channel, Path root) {
    this.channel = channel;
    this.root = root.toAbsolutePath().toString();
  }

  /** Runs the scenario; {@code root} is the upstream's root directory (its paths are replaced by "ROOT"). */
  static List<String> run(Channel channel, Path root) throws Exception {
    Scenario scenario = new Scenario(channel, root);
    scenario.steps();
    return scenario.transcript;
  }

  private void steps() throws Exception {
    String layer = "default/1/extract-layer";
    String base = "default/2/sha256:base";
    String active = "default/3/container-rw";
    String view = "default/4/container-ro";
    unary(Operation.PREPARE, PrepareSnapshotRequest.newBuilder().setSnapshotter("s").setKey(layer)
        .putLabels("containerd.io/snapshot.ref", "sha256:base")
        .putLabels("containerd.io/snapshot/remote/stargz.reference", "docker.io/library/busybox:1.36")
        .build(), PrepareSnapshotResponse.parser());
    unary(Operation.STAT, StatSnapshotRequest.newBuilder().setKey(layer).build(), StatSnapshotResponse.parser());
    // "unpack" a layer into it, as containerd does after mounting
    Path dir = Path.of(lastMountSource);
    Files.writeString(dir.resolve("hello.txt"), "hello from a layer\n");
    Files.createDirectories(dir.resolve("etc"));
    Files.createSymbolicLink(dir.resolve("etc/link"), Path.of("../hello.txt"));
    unary(Operation.PREPARE, PrepareSnapshotRequest.newBuilder().setKey(layer).build(),
        PrepareSnapshotResponse.parser()); // ALREADY_EXISTS
    unary(Operation.MOUNTS, MountsRequest.newBuilder().setKey(layer).build(), MountsResponse.parser());
    unary(Operation.USAGE, UsageRequest.newBuilder().setKey(layer).build(), UsageResponse.parser());
    unary(Operation.COMMIT, CommitSnapshotRequest.newBuilder().setName(base).setKey(layer)
        .putLabels("containerd.io/snapshot/layer.digest", "sha256:0123").build(), null);
    unary(Operation.STAT, StatSnapshotRequest.newBuilder().setKey(base).build(), StatSnapshotResponse.parser());
    unary(Operation.STAT, StatSnapshotRequest.newBuilder().setKey("default/9/missing").build(),
        StatSnapshotResponse.parser()); // NOT_FOUND
    unary(Operation.PREPARE, PrepareSnapshotRequest.newBuilder().setKey(active).setParent(base).build(),
        PrepareSnapshotResponse.parser());
    unary(Operation.VIEW, ViewSnapshotRequest.newBuilder().setKey(view).setParent(base)
        .putLabels("containerd.io/gc.root", "x").build(), ViewSnapshotResponse.parser());
    unary(Operation.PREPARE, PrepareSnapshotRequest.newBuilder().setKey("default/5/orphan")
        .setParent("default/9/missing").build(), PrepareSnapshotResponse.parser()); // missing parent
    unary(Operation.UPDATE, UpdateSnapshotRequest.newBuilder()
        .setInfo(Info.newBuilder().setName(base)
            .setCreatedAt(Timestamp.newBuilder().setSeconds(-62135596800L))
            .setUpdatedAt(Timestamp.newBuilder().setSeconds(-62135596800L))
            .putLabels("containerd.io/snapshot/x", "y"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("labels.containerd.io/snapshot/x"))
        .build(), UpdateSnapshotResponse.parser());
    unary(Operation.USAGE, UsageRequest.newBuilder().setKey(base).build(), UsageResponse.parser());
    list(ListSnapshotsRequest.newBuilder().build());
    list(ListSnapshotsRequest.newBuilder().addFilters("kind==committed").build());
    unary(Operation.REMOVE, RemoveSnapshotRequest.newBuilder().setKey(base).build(), null); // has children
    unary(Operation.REMOVE, RemoveSnapshotRequest.newBuilder().setKey(view).build(), null);
    unary(Operation.REMOVE, RemoveSnapshotRequest.newBuilder().setKey(active).build(), null);
    unary(Operation.REMOVE, RemoveSnapshotRequest.newBuilder().setKey(base).build(), null);
    unary(Operation.REMOVE, RemoveSnapshotRequest.newBuilder().setKey(base).build(), null); // gone
    unary(Operation.CLEANUP, CleanupRequest.newBuilder().build(), null);
    list(ListSnapshotsRequest.newBuilder().build());
    // not a valid request at all: whoever answers, the answer must be the same
    raw(Operation.STAT, new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
  }

  private String lastMountSource;

  private <R extends Message> void unary(Operation operation, Message request,
      com.google.protobuf.Parser<R> parser) throws InvalidProtocolBufferException {
    byte[] answer;
    try {
      answer = ClientCalls.blockingUnaryCall(channel, SnapshotsProxy.method(operation),
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request.toByteArray());
    } catch (StatusRuntimeException e) {
      record(operation, "error " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      return;
    }
    if (parser == null) {
      record(operation, "ok " + answer.length + " bytes");
      return;
    }
    R message = parser.parseFrom(answer);
    if (message instanceof PrepareSnapshotResponse p && p.getMountsCount() > 0) {
      lastMountSource = p.getMounts(0).getSource();
    }
    record(operation, "ok " + TextFormat.shortDebugString(normalize(message)));
  }

  private void raw(Operation operation, byte[] request) {
    try {
      byte[] answer = ClientCalls.blockingUnaryCall(channel, SnapshotsProxy.method(operation),
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
      record(operation, "ok " + answer.length + " bytes");
    } catch (StatusRuntimeException e) {
      record(operation, "error " + e.getStatus().getCode());
    }
  }

  private void list(ListSnapshotsRequest request) throws InvalidProtocolBufferException {
    List<String> names = new ArrayList<>();
    try {
      Iterator<byte[]> pages = ClientCalls.blockingServerStreamingCall(channel, SnapshotsProxy.method(Operation.LIST),
          CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request.toByteArray());
      while (pages.hasNext()) {
        for (Info info : ListSnapshotsResponse.parseFrom(pages.next()).getInfoList()) {
          names.add(TextFormat.shortDebugString(normalize(info)));
        }
      }
    } catch (StatusRuntimeException e) {
      record(Operation.LIST, "error " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
      return;
    }
    names.sort(null);
    record(Operation.LIST, "ok " + names);
  }

  private void record(Operation operation, String outcome) {
    transcript.add(operation.rpcName + " -> " + outcome.replace(root, "ROOT"));
  }

  /** Without the times (two snapshotters never share a clock). */
  @SuppressWarnings("unchecked")
  private static <M extends Message> M normalize(M message) {
    Message.Builder builder = message.toBuilder();
    if (builder instanceof Info.Builder info) {
      info.clearCreatedAt().clearUpdatedAt();
    } else if (builder instanceof StatSnapshotResponse.Builder stat) {
      stat.getInfoBuilder().clearCreatedAt().clearUpdatedAt();
    } else if (builder instanceof UpdateSnapshotResponse.Builder update) {
      update.getInfoBuilder().clearCreatedAt().clearUpdatedAt();
    }
    return (M) builder.build();
  }
}
