/**
 * A directory-backed {@link dev.acitrace.snapshotter.Snapshotter} in the manner of containerd's
 * "native" snapshotter: every snapshot is a plain directory, seeded by copying its parent, used through
 * a bind mount; its metadata lives in a {@link dev.acitrace.snapshotter.storage.MetadataStore}.
 */
package dev.acitrace.snapshotter.fs;
