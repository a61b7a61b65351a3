package dev.acitrace.snapshotter;

/**
 * Disk usage of one snapshot, excluding its parents.
 *
 * @param size bytes used
 * @param inodes inodes used (files, directories, links)
 */
public record Usage(long size, long inodes) {

  /** No usage. */
  public static final Usage ZERO = new Usage(0, 0);

  /**
   * Validates the values.
   *
   * @param size bytes used, not negative
   * @param inodes inodes used, not negative
   */
  public Usage {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    if (inodes < 0) {
      throw new IllegalArgumentException("inodes must not be negative: " + inodes);
    }
  }
}
