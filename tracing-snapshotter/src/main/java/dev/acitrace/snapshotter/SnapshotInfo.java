package dev.acitrace.snapshotter;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;

/**
 * What a snapshotter knows about one snapshot.
 *
 * @param name the key of an active snapshot or view, or the name of a committed snapshot
 * @param parent the name of the committed parent, empty for none
 * @param kind the kind
 * @param createdAt when the snapshot was created
 * @param updatedAt when the snapshot was last changed
 * @param labels the labels, never null
 */
public record SnapshotInfo(
    String name, String parent, Kind kind, Instant createdAt, Instant updatedAt,
    Map<String, String> labels) {

  /**
   * Validates and copies the values.
   *
   * @param name the key or name
   * @param parent the parent's name, empty for none
   * @param kind the kind
   * @param createdAt the creation time
   * @param updatedAt the last update time
   * @param labels the labels
   */
  public SnapshotInfo {
    requireNonNull(name, "name");
    requireNonNull(parent, "parent");
    requireNonNull(kind, "kind");
    requireNonNull(createdAt, "createdAt");
    requireNonNull(updatedAt, "updatedAt");
    labels = Map.copyOf(requireNonNull(labels, "labels"));
  }

  /**
   * The info an update request carries: a name and labels; the other fields are ignored by
   * {@link Snapshotter#update}.
   *
   * @param name the snapshot's key or name
   * @param labels the labels to apply
   * @return the info
   */
  public static SnapshotInfo forUpdate(String name, Map<String, String> labels) {
    return new SnapshotInfo(name, "", Kind.UNKNOWN, Instant.EPOCH, Instant.EPOCH, labels);
  }

  /**
   * A copy with other labels and a new update time.
   *
   * @param newLabels the labels
   * @param now the update time
   * @return the copy
   */
  public SnapshotInfo withLabels(Map<String, String> newLabels, Instant now) {
    return new SnapshotInfo(name, parent, kind, createdAt, now, newLabels);
  }
}
