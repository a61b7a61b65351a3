package dev.acitrace.snapshotter.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Modes of the snapshotter's own files, whatever the process umask: the root directory and
 * {@code snapshots/} 0700, metadata and lock files 0600.
 *
 * <p>A mode passed to {@code open}/{@code mkdir} is only an upper bound (the umask clears bits from
 * it), so everything is created with its final mode as that bound and then set to exactly that mode.
 * Why 0700 and not 0711 for the root: containerd mounts a snapshot (a bind mount of
 * {@code snapshots/<id>}) as root, which needs no search permission on the way; nothing else has any
 * business in the root. A root that already exists keeps the mode its administrator gave it (it may
 * be a shared directory); a group- or world-writable one is logged as a warning.
 */
final class Permissions {

  private static final Logger logger = Logger.getLogger(Permissions.class.getName());

  static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

  private Permissions() {}

  /** Creates the root (and missing ancestors) 0700; an existing root is left as it is. */
  static void createRoot(Path root) throws IOException {
    if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(root)) {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(root);
      if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
        logger.warning(() -> "snapshotter root " + root + " is writable by group or others ("
            + PosixFilePermissions.toString(mode) + "): consider chmod 0700");
      }
      return;
    }
    List<Path> missing = new ArrayList<>();
    for (Path p = root; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
      missing.add(0, p);
    }
    for (Path p : missing) {
      createPrivateDirectory(p);
    }
  }

  /** Creates a directory 0700 if missing, and makes an existing one 0700; refuses a symlink. */
  static void createPrivateDirectory(Path directory) throws IOException {
    FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY);
    try {
      Files.createDirectory(directory, mode);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
        throw new NotDirectoryException(directory + " exists and is not a directory");
      }
    }
    Files.setPosixFilePermissions(directory, PRIVATE_DIRECTORY);
  }

  /** Opens (creating if needed) a file for writing, mode 0600. */
  static FileChannel openPrivateFile(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    try {
      Files.setPosixFilePermissions(file, PRIVATE_FILE);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return channel;
  }
}
