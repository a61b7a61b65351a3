package dev.acitrace.snapshotter;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A mount the caller performs to use a snapshot: {@code mount -t type source target -o options}.
 *
 * @param type the file system type, e.g. {@code bind}
 * @param source the source, e.g. a directory for bind mounts
 * @param target the target relative to a root file system; empty for snapshot mounts
 * @param options mount options, e.g. {@code rbind}, {@code ro}
 */
public record Mount(String type, String source, String target, List<String> options) {

  /**
   * Validates and copies the values.
   *
   * @param type the file system type
   * @param source the source
   * @param target the target, empty for snapshot mounts
   * @param options the mount options
   */
  public Mount {
    requireNonNull(type, "type");
    requireNonNull(source, "source");
    requireNonNull(target, "target");
    options = List.copyOf(requireNonNull(options, "options"));
  }

  /**
   * A recursive bind mount of a directory, the mount of directory-backed snapshots.
   *
   * @param source the directory
   * @param readOnly whether the mount is read-only
   * @return the mount
   */
  public static Mount bind(String source, boolean readOnly) {
    return new Mount("bind", source, "", List.of("rbind", readOnly ? "ro" : "rw"));
  }
}
