/** A containerd snapshotter API, its tracing decorator, the containerd snapshots gRPC binding and a directory-backed snapshotter. */
module dev.acitrace.snapshotter {
  requires dev.acitrace.bundle;

  exports dev.acitrace.snapshotter;
}
