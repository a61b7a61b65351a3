/**
 * containerd's snapshots gRPC API ({@code containerd.services.snapshots.v1.Snapshots}) for any
 * {@link dev.acitrace.snapshotter.Snapshotter}: {@link dev.acitrace.snapshotter.grpc.SnapshotsService}
 * serves one (what containerd's {@code FromSnapshotter} does),
 * {@link dev.acitrace.snapshotter.grpc.SnapshotterServer} listens on a unix socket and/or loopback TCP,
 * and {@link dev.acitrace.snapshotter.grpc.SnapshotsClient} is a {@code Snapshotter} that calls one
 * across the wire. The method descriptors are built here from the generated messages, because the
 * grpc-java code generator is not available to this build.
 */
package dev.acitrace.snapshotter.grpc;
