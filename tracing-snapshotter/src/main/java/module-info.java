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
  requires com.sun.jna; // libc calls of the file-tree code (fs.NativeFs)
  requires io.grpc.netty.shaded;
  requires io.grpc.protobuf;
  requires io.grpc.stub;
  requires java.logging;
  requires java.sql;
  requires org.xerial.sqlitejdbc;
  requires re2j;
  // What the automatic modules on our path need but cannot declare (failureaccess, jdk.unsupported,
  // java.net.http) comes with dev.acitrace.bundle's requires, so `java -p ... -m` needs no --add-modules.
  // Not gson: grpc-core uses it only for DNS TXT service configs (off by default) and SPIFFE, neither used.

  exports dev.acitrace.snapshotter;
  exports dev.acitrace.snapshotter.fs;
  exports dev.acitrace.snapshotter.grpc;
  exports dev.acitrace.snapshotter.storage;
  exports dev.acitrace.snapshotter.proxy;
  // the generated wire messages are an implementation detail; protobuf reflects on them (toString)
  exports dev.acitrace.snapshotter.proto to com.google.protobuf;
}
