/**
 * A traced containerd proxy snapshotter: the snapshotter API and its tracing decorator
 * ({@code dev.acitrace.snapshotter}), a directory-backed implementation
 * ({@code dev.acitrace.snapshotter.fs}), containerd's snapshots gRPC API served from any implementation
 * and a client for it ({@code dev.acitrace.snapshotter.grpc}), and the launcher
 * ({@code java -m dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main}).
 */
module dev.acitrace.snapshotter {
  requires dev.acitrace.bundle;
  requires transitive io.grpc;
  requires transitive io.opentelemetry.api;

  requires com.google.protobuf;
  requires io.grpc.netty.shaded;
  requires io.grpc.protobuf;
  requires io.grpc.stub;
  requires io.opentelemetry.sdk.autoconfigure;
  requires io.opentelemetry.sdk.autoconfigure.spi;
  requires io.opentelemetry.sdk.common;
  requires java.logging;
  // only grpc-core needs it (Guava's failureaccess); a java -m launch does not resolve it otherwise
  requires com.google.common.util.concurrent.internal;

  exports dev.acitrace.snapshotter;
  exports dev.acitrace.snapshotter.fs;
  exports dev.acitrace.snapshotter.grpc;
  // the generated wire messages are an implementation detail; protobuf reflects on them (toString)
  exports dev.acitrace.snapshotter.proto to com.google.protobuf;
}
