/**
 * A directory-backed {@link dev.acitrace.snapshotter.Snapshotter} in the manner of containerd's
 * "native" snapshotter: every snapshot is a plain directory, seeded by copying its parent, used through
 * a bind mount; its metadata is one protobuf file replaced atomically on every change.
 */
package dev.acitrace.snapshotter.fs;
