/**
 * Snapshot metadata storage for snapshotter implementations, like containerd's
 * {@code snapshots/storage}: {@link dev.acitrace.snapshotter.storage.MetadataStore} (one transaction per
 * operation, ids never reused, streaming walks) and its embedded SQLite implementation
 * {@link dev.acitrace.snapshotter.storage.SqliteMetadataStore}. It knows nothing of how snapshot content
 * is laid out, so any backend (directories, overlay) keeps its metadata here.
 */
package dev.acitrace.snapshotter.storage;
