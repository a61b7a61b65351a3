package dev.acitrace.snapshotter.storage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Usage;

/**
 * One snapshot as a {@link MetadataStore} keeps it.
 *
 * @param id the backend's id for the snapshot's content (a directory name, say); unique, never reused
 * @param info what callers see
 * @param usage the usage recorded at commit; {@link Usage#ZERO} for active snapshots and views
 */
public record StoredSnapshot(long id, SnapshotInfo info, Usage usage) {

  /**
   * Validates the values.
   *
   * @param id a positive id
   * @param info the info
   * @param usage the recorded usage
   */
  public StoredSnapshot {
    if (id <= 0) {
      throw new IllegalArgumentException("id must be positive: " + id);
    }
    requireNonNull(info, "info");
    requireNonNull(usage, "usage");
  }
}
