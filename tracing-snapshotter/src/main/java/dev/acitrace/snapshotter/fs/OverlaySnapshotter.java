package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.storage.SqliteMetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A snapshotter laid out like containerd's overlayfs snapshotter: a snapshot holds only its own changes,
 * and active snapshots are mounted as {@code overlay} over their parents' layers, so neither preparing nor
 * committing copies anything (see {@code OverlayLayout} for the mounts). Everything else - metadata,
 * its durability, locking, errors, labels, filters, cleanup - is {@link DirectorySnapshotter}'s, in the
 * same store: the two backends differ only in what a snapshot's directory holds and how it is mounted.
 *
 * <p>The mounts need a kernel with overlayfs and the privilege to mount (containerd mounts them, as
 * root); the snapshotter itself only creates directories. {@link #overlayUnavailable(Path)} tells whether
 * the kernel lets this process mount overlay under a directory.
 */
public final class OverlaySnapshotter implements Snapshotter {

  private final DirectorySnapshotter store;

  private OverlaySnapshotter(DirectorySnapshotter store) {
    this.store = store;
  }

  /**
   * Opens (creating if needed) an overlay snapshotter rooted at {@code root}.
   *
   * @param root the root directory; must not hold a directory-backend store (the layouts differ)
   * @return the snapshotter; close it to release the root
   * @throws IOException as {@link DirectorySnapshotter#open(Path)}
   */
  public static OverlaySnapshotter open(Path root) throws IOException {
    return new OverlaySnapshotter(DirectorySnapshotter.open(root, Clock.systemUTC(),
        SqliteMetadataStore::open, OverlayLayout.INSTANCE));
  }

  /**
   * Why overlay cannot be mounted under {@code directory} by this process, or null when it can: tries
   * a real overlay mount (one lower, upper and work directory in a temporary directory there) and
   * unmounts it. Reasons: no overlay in {@code /proc/filesystems}, no {@code mount} command, or the mount
   * failing (not root, or {@code directory} on a file system overlay cannot use as upper, e.g. overlay).
   *
   * @param directory where the snapshots will be (the root)
   * @return the reason, or null
   */
  public static String overlayUnavailable(Path directory) {
    try {
      if (!Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n")) {
        return "the kernel has no overlay file system (not in /proc/filesystems)";
      }
      // under the nearest directory that exists (the root, or where it will be created): creating the root
      // here would give it the umask's mode instead of the snapshotter's explicit one
      Path existing = directory.toAbsolutePath();
      while (existing != null && !Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return "no existing directory above " + directory;
      }
      Path probe = Files.createTempDirectory(existing, ".overlay-probe-"); // 0700
      try {
        for (String name : List.of("lower", "upper", "work", "merged")) {
          Files.createDirectory(probe.resolve(name));
        }
        String options = "lowerdir=" + probe.resolve("lower") + ",upperdir=" + probe.resolve("upper")
            + ",workdir=" + probe.resolve("work");
        String mounted = run("mount", "-t", "overlay", "overlay", "-o", options, probe.resolve("merged").toString());
        if (mounted != null) {
          return "mounting overlay under " + directory + " failed: " + mounted;
        }
        run("umount", probe.resolve("merged").toString());
        return null;
      } finally {
        Trees.deleteRecursively(probe);
      }
    } catch (IOException e) {
      return "cannot probe overlay under " + directory + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while probing overlay";
    }
  }

  /** Runs a command; null if it succeeded, else its output (bounded). */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readNBytes(1024);
    int status = process.waitFor();
    return status == 0 ? null : ("exit " + status + " " + new String(output).strip());
  }

  /**
   * The root directory.
   *
   * @return the absolute root
   */
  public Path root() {
    return store.root();
  }

  @Override
  public SnapshotInfo stat(String key) {
    return store.stat(key);
  }

  @Override
  public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
    return store.update(info, fieldPaths);
  }

  @Override
  public Usage usage(String key) {
    return store.usage(key);
  }

  @Override
  public List<Mount> mounts(String key) {
    return store.mounts(key);
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    return store.prepare(key, parent, labels);
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels) {
    return store.view(key, parent, labels);
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) {
    store.commit(name, key, labels);
  }

  @Override
  public void remove(String key) {
    store.remove(key);
  }

  @Override
  public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
    store.walk(visitor, filters);
  }

  @Override
  public void cleanup() {
    store.cleanup();
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "OverlaySnapshotter{" + store.root() + "}";
  }
}
