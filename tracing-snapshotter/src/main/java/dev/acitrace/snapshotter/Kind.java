package dev.acitrace.snapshotter;

import java.util.Locale;

/** The kind of a snapshot, as containerd defines it. */
public enum Kind {
  /** Not known; appears only in update requests, where the kind is ignored. */
  UNKNOWN,
  /** A read-only view of a committed snapshot. */
  VIEW,
  /** A writable snapshot that can be committed. */
  ACTIVE,
  /** An immutable snapshot, the parent of active snapshots and views. */
  COMMITTED;

  /**
   * The lower-case name containerd prints and filters on.
   *
   * @return {@code unknown}, {@code view}, {@code active} or {@code committed}
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
