/**
 * containerd's snapshotter contract in Java: the {@link dev.acitrace.snapshotter.Snapshotter}
 * interface, its immutable values ({@link dev.acitrace.snapshotter.SnapshotInfo},
 * {@link dev.acitrace.snapshotter.Kind}, {@link dev.acitrace.snapshotter.Usage},
 * {@link dev.acitrace.snapshotter.Mount}), its typed failures, the containerd filter syntax, and
 * {@link dev.acitrace.snapshotter.TracingSnapshotter}, the decorator that traces any implementation.
 */
package dev.acitrace.snapshotter;
