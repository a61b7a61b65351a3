package dev.acitrace.snapshotter.launcher;

import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.fs.OverlaySnapshotter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * {@code serve --backend overlay|directory}: which layout the root uses. A root remembers its backend in
 * {@code <root>/backend} (the two lay snapshots out differently, so a root is never opened with the other);
 * a root from before that file existed is a directory one. Without {@code --backend} a new root is overlay
 * when the kernel lets this process mount overlay there, otherwise directory, said in one line on stderr.
 */
final class Backends {

  static final String OVERLAY = "overlay";
  static final String DIRECTORY = "directory";
  static final Set<String> NAMES = Set.of(OVERLAY, DIRECTORY);
  private static final String MARKER = "backend";

  private Backends() {}

  static String check(String name) throws Main.UsageException {
    if (!NAMES.contains(name)) {
      throw new Main.UsageException("--backend must be overlay or directory, got "
          + (name.length() > 40 ? name.substring(0, 40) + "..." : name));
    }
    return name;
  }

  /** Opens the root with the requested backend (null: the root's, or the best the kernel allows). */
  static Snapshotter open(Path root, String requested, PrintStream err) throws IOException {
    Path marker = root.resolve(MARKER);
    String existing = recorded(root, marker);
    String backend;
    if (existing != null) {
      if (requested != null && !requested.equals(existing)) {
        throw new IOException("it holds " + existing + "-backend snapshots; serve it with --backend " + existing
            + " (or use another root)");
      }
      backend = existing;
    } else if (requested != null) {
      backend = requested;
    } else {
      String unavailable = OverlaySnapshotter.overlayUnavailable(root);
      backend = unavailable == null ? OVERLAY : DIRECTORY;
      if (unavailable != null) {
        err.println("snapshotter: using the directory backend (copies layers): " + unavailable);
      }
    }
    Snapshotter snapshotter = backend.equals(OVERLAY) ? OverlaySnapshotter.open(root) : DirectorySnapshotter.open(root);
    if (existing == null) {
      try {
        // CREATE_NEW: never through a symlink planted there; 0600 whatever the umask, like the metadata
        Files.writeString(marker, backend + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-------"));
      } catch (IOException e) {
        snapshotter.close();
        throw e;
      }
    }
    return snapshotter;
  }

  static String name(Snapshotter snapshotter) {
    return snapshotter instanceof OverlaySnapshotter ? OVERLAY : DIRECTORY;
  }

  /** The backend a root was created with, or null for a new root. */
  private static String recorded(Path root, Path marker) throws IOException {
    try {
      if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(marker + " is not a regular file");
        }
        throw new NoSuchFileException(marker.toString());
      }
      byte[] bytes;
      try (var in = Files.newInputStream(marker, LinkOption.NOFOLLOW_LINKS)) {
        bytes = in.readNBytes(64);
      }
      String name = new String(bytes, StandardCharsets.UTF_8).strip();
      if (!NAMES.contains(name)) {
        throw new IOException(marker + " names no known backend");
      }
      return name;
    } catch (NoSuchFileException e) {
      // before the marker existed, every root was a directory one
      return Files.exists(root.resolve("metadata.pb"), LinkOption.NOFOLLOW_LINKS)
          || Files.exists(root.resolve("metadata.db"), LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : null;
    }
  }
}
