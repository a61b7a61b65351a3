/** A containerd snapshotter API, its tracing decorator, the containerd snapshots gRPC binding and a directory-backed snapshotter. */
package dev.acitrace.snapshotter;
