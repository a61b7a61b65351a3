package dev.acitrace.snapshotter.grpc;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import dev.acitrace.snapshotter.internal.SnapshotsMethods;
import dev.acitrace.snapshotter.proto.CleanupRequest;
import dev.acitrace.snapshotter.proto.CommitSnapshotRequest;
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
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.util.List;

/**
 * The typed method and service descriptors of {@code containerd.services.snapshots.v1.Snapshots}, what
 * protoc-gen-grpc-java would generate (built by {@link SnapshotsMethods}, which the proxy's byte-level
 * descriptors share).
 */
final class SnapshotsRpc {

  static final String SERVICE_NAME = SnapshotsMethods.SERVICE_NAME;

  static final MethodDescriptor<PrepareSnapshotRequest, PrepareSnapshotResponse> PREPARE =
      unary("Prepare", PrepareSnapshotRequest.getDefaultInstance(), PrepareSnapshotResponse.getDefaultInstance());
  static final MethodDescriptor<ViewSnapshotRequest, ViewSnapshotResponse> VIEW =
      unary("View", ViewSnapshotRequest.getDefaultInstance(), ViewSnapshotResponse.getDefaultInstance());
  static final MethodDescriptor<MountsRequest, MountsResponse> MOUNTS =
      unary("Mounts", MountsRequest.getDefaultInstance(), MountsResponse.getDefaultInstance());
  static final MethodDescriptor<CommitSnapshotRequest, Empty> COMMIT =
      unary("Commit", CommitSnapshotRequest.getDefaultInstance(), Empty.getDefaultInstance());
  static final MethodDescriptor<RemoveSnapshotRequest, Empty> REMOVE =
      unary("Remove", RemoveSnapshotRequest.getDefaultInstance(), Empty.getDefaultInstance());
  static final MethodDescriptor<StatSnapshotRequest, StatSnapshotResponse> STAT =
      unary("Stat", StatSnapshotRequest.getDefaultInstance(), StatSnapshotResponse.getDefaultInstance());
  static final MethodDescriptor<UpdateSnapshotRequest, UpdateSnapshotResponse> UPDATE =
      unary("Update", UpdateSnapshotRequest.getDefaultInstance(), UpdateSnapshotResponse.getDefaultInstance());
  static final MethodDescriptor<ListSnapshotsRequest, ListSnapshotsResponse> LIST =
      method(MethodType.SERVER_STREAMING, "List",
          ListSnapshotsRequest.getDefaultInstance(), ListSnapshotsResponse.getDefaultInstance());
  static final MethodDescriptor<UsageRequest, UsageResponse> USAGE =
      unary("Usage", UsageRequest.getDefaultInstance(), UsageResponse.getDefaultInstance());
  static final MethodDescriptor<CleanupRequest, Empty> CLEANUP =
      unary("Cleanup", CleanupRequest.getDefaultInstance(), Empty.getDefaultInstance());

  static final ServiceDescriptor SERVICE = SnapshotsMethods.service(
      List.of(PREPARE, VIEW, MOUNTS, COMMIT, REMOVE, STAT, UPDATE, LIST, USAGE, CLEANUP));

  private SnapshotsRpc() {}

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
      String name, Q request, R response) {
    return method(MethodType.UNARY, name, request, response);
  }

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(
      MethodType type, String name, Q request, R response) {
    return SnapshotsMethods.method(type, name, ProtoUtils.marshaller(request), ProtoUtils.marshaller(response));
  }
}
