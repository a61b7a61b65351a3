package dev.acitrace.snapshotter.grpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Empty;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.ListSnapshotsResponse;
import dev.acitrace.snapshotter.proto.MountsResponse;
import dev.acitrace.snapshotter.proto.PrepareSnapshotResponse;
import dev.acitrace.snapshotter.proto.StatSnapshotResponse;
import dev.acitrace.snapshotter.proto.UpdateSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotResponse;
import dev.acitrace.snapshotter.proto.ViewSnapshotResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Serves containerd's {@code containerd.services.snapshots.v1.Snapshots} from any {@link Snapshotter}
 * (what containerd's {@code snapshotservice.FromSnapshotter} does in Go).
 *
 * <p>Requests missing a required field (an empty key or name, an Update without info) are rejected
 * with {@code INVALID_ARGUMENT} before the snapshotter is called. Snapshotter failures map to
 * {@code NOT_FOUND}, {@code ALREADY_EXISTS}, {@code FAILED_PRECONDITION} and {@code INVALID_ARGUMENT};
 * a closed snapshotter to {@code UNAVAILABLE}; anything else to {@code INTERNAL}; descriptions are
 * bounded so they fit any peer's trailer limit. {@code List} streams its answer in messages of at most
 * {@value #LIST_BATCH_BYTES} encoded bytes (one snapshot always fits: see
 * {@link dev.acitrace.snapshotter.SnapshotLimits}) and stops walking when the caller cancels. The {@code snapshotter} field of requests (the
 * name containerd knows this proxy by) is ignored: one service serves one snapshotter.
 */
public final class SnapshotsService {

  /**
   * The most encoded bytes of {@code Info} one {@code ListSnapshotsResponse} carries (a snapshot larger
   * than this goes alone): under gRPC's default 4 MiB inbound message limit, with room to spare.
   */
  public static final int LIST_BATCH_BYTES = 3 * 1024 * 1024;

  /** The fully qualified gRPC service name. */
  public static final String SERVICE_NAME = SnapshotsRpc.SERVICE_NAME;

  private SnapshotsService() {}

  /**
   * Builds the service definition to add to a gRPC server.
   *
   * @param snapshotter the snapshotter to serve, typically a {@link dev.acitrace.snapshotter.TracingSnapshotter}
   * @return the service definition
   */
  public static ServerServiceDefinition bind(Snapshotter snapshotter) {
    requireNonNull(snapshotter, "snapshotter");
    return ServerServiceDefinition.builder(SnapshotsRpc.SERVICE)
        .addMethod(SnapshotsRpc.PREPARE, unary(SnapshotsRpc.PREPARE, request -> {
          required(request.getKey(), "PrepareSnapshotRequest.key");
          return PrepareSnapshotResponse.newBuilder()
              .addAllMounts(ProtoMapping.toProto(
                  snapshotter.prepare(request.getKey(), request.getParent(), request.getLabelsMap())))
              .build();
        }))
        .addMethod(SnapshotsRpc.VIEW, unary(SnapshotsRpc.VIEW, request -> {
          required(request.getKey(), "ViewSnapshotRequest.key");
          return ViewSnapshotResponse.newBuilder()
              .addAllMounts(ProtoMapping.toProto(
                  snapshotter.view(request.getKey(), request.getParent(), request.getLabelsMap())))
              .build();
        }))
        .addMethod(SnapshotsRpc.MOUNTS, unary(SnapshotsRpc.MOUNTS, request -> {
          required(request.getKey(), "MountsRequest.key");
          return MountsResponse.newBuilder()
              .addAllMounts(ProtoMapping.toProto(snapshotter.mounts(request.getKey())))
              .build();
        }))
        .addMethod(SnapshotsRpc.COMMIT, unary(SnapshotsRpc.COMMIT, request -> {
          required(request.getName(), "CommitSnapshotRequest.name");
          required(request.getKey(), "CommitSnapshotRequest.key");
          snapshotter.commit(request.getName(), request.getKey(), request.getLabelsMap());
          return Empty.getDefaultInstance();
        }))
        .addMethod(SnapshotsRpc.REMOVE, unary(SnapshotsRpc.REMOVE, request -> {
          required(request.getKey(), "RemoveSnapshotRequest.key");
          snapshotter.remove(request.getKey());
          return Empty.getDefaultInstance();
        }))
        .addMethod(SnapshotsRpc.STAT, unary(SnapshotsRpc.STAT, request -> {
          required(request.getKey(), "StatSnapshotRequest.key");
          return StatSnapshotResponse.newBuilder()
              .setInfo(ProtoMapping.toProto(snapshotter.stat(request.getKey())))
              .build();
        }))
        .addMethod(SnapshotsRpc.UPDATE, unary(SnapshotsRpc.UPDATE, request -> update(snapshotter, request)))
        .addMethod(SnapshotsRpc.LIST, ServerCalls.asyncServerStreamingCall((request, observer) -> {
          ServerCallStreamObserver<ListSnapshotsResponse> call =
              (ServerCallStreamObserver<ListSnapshotsResponse>) observer;
          ListBatcher batcher = new ListBatcher(call);
          try {
            snapshotter.walk(batcher, request.getFiltersList());
          } catch (RuntimeException e) {
            if (call.isCancelled()) {
              return; // cancelled while we were sending: nobody is listening any more
            }
            observer.onError(Errors.toStatus(e, SnapshotsRpc.LIST.getFullMethodName()));
            return;
          }
          batcher.flush();
          observer.onCompleted();
        }))
        .addMethod(SnapshotsRpc.USAGE, unary(SnapshotsRpc.USAGE, request -> {
          required(request.getKey(), "UsageRequest.key");
          return ProtoMapping.toProto(snapshotter.usage(request.getKey()));
        }))
        .addMethod(SnapshotsRpc.CLEANUP, unary(SnapshotsRpc.CLEANUP, request -> {
          snapshotter.cleanup();
          return Empty.getDefaultInstance();
        }))
        .build();
  }

  /**
   * Sends {@code Info}s in messages of at most {@link #LIST_BATCH_BYTES} encoded bytes; stops the walk
   * (with a {@link CancellationException}) once the caller has cancelled.
   */
  private static final class ListBatcher implements Consumer<SnapshotInfo> {
    private final ServerCallStreamObserver<ListSnapshotsResponse> call;
    private final ListSnapshotsResponse.Builder batch = ListSnapshotsResponse.newBuilder();
    private long bytes;

    ListBatcher(ServerCallStreamObserver<ListSnapshotsResponse> call) {
      this.call = call;
    }

    @Override
    public void accept(SnapshotInfo info) {
      if (call.isCancelled()) {
        throw new CancellationException("List cancelled by the caller");
      }
      Info message = ProtoMapping.toProto(info);
      long size = CodedOutputStream.computeMessageSize(ListSnapshotsResponse.INFO_FIELD_NUMBER, message);
      if (batch.getInfoCount() > 0 && bytes + size > LIST_BATCH_BYTES) {
        flush();
      }
      batch.addInfo(message);
      bytes += size;
    }

    void flush() {
      if (batch.getInfoCount() > 0) {
        call.onNext(batch.build());
        batch.clear();
        bytes = 0;
      }
    }
  }

  private static UpdateSnapshotResponse update(Snapshotter snapshotter, UpdateSnapshotRequest request) {
    // the Go original dereferenced a missing info and crashed the handler; this is a bad request
    if (!request.hasInfo()) {
      throw new InvalidArgumentException("UpdateSnapshotRequest.info is required");
    }
    required(request.getInfo().getName(), "UpdateSnapshotRequest.info.name");
    // containerd sends zero timestamps and kind UNKNOWN here: only the name and labels count
    SnapshotInfo info = SnapshotInfo.forUpdate(request.getInfo().getName(), request.getInfo().getLabelsMap());
    List<String> paths = request.hasUpdateMask() ? request.getUpdateMask().getPathsList() : List.of();
    return UpdateSnapshotResponse.newBuilder()
        .setInfo(ProtoMapping.toProto(snapshotter.update(info, new ArrayList<>(paths))))
        .build();
  }

  private static void required(String value, String field) {
    if (value.isEmpty()) {
      throw new InvalidArgumentException(field + " is required");
    }
  }

  private static <Q, R> io.grpc.ServerCallHandler<Q, R> unary(MethodDescriptor<Q, R> method, Function<Q, R> body) {
    String name = method.getFullMethodName();
    return ServerCalls.asyncUnaryCall((Q request, StreamObserver<R> observer) -> {
      R response;
      try {
        response = body.apply(request);
      } catch (RuntimeException e) {
        observer.onError(Errors.toStatus(e, name));
        return;
      }
      observer.onNext(response);
      observer.onCompleted();
    });
  }
}
