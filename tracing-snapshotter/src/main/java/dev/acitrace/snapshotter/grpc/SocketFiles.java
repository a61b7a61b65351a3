package dev.acitrace.snapshotter.grpc;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The unix socket's file and directories, with explicit modes whatever the umask (see
 * {@link SnapshotterServer}).
 */
final class SocketFiles {

  /** Only the owner (root, as containerd connects) may connect. */
  static final int DEFAULT_MODE = 0600;
  /** {@code sun_path} holds 108 bytes including the terminating NUL. */
  private static final int MAX_SOCKET_PATH = 107;

  private SocketFiles() {}

  /**
   * Creates the missing directories of {@code directory}: 0700, plus search permission for the group
   * and/or others when the socket mode lets them connect, and the socket's group if one is set.
   */
  static void createRunDirectories(Path directory, int socketMode, GroupPrincipal group) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = directory; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
      missing.add(0, p);
    }
    int mode = 0700 | ((socketMode & 0070) != 0 ? 0010 : 0) | ((socketMode & 0007) != 0 ? 0001 : 0);
    for (Path p : missing) {
      try {
        Files.createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        continue; // created by someone else meanwhile: theirs, not ours to change
      }
      apply(p, mode, group);
    }
  }

  /** Where to bind before the socket is published. */
  record Staging(Path directory, Path bindPath) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (directory != null) {
        Files.deleteIfExists(bindPath);
        Files.deleteIfExists(directory);
      }
    }
  }

  /**
   * A fresh 0700 directory next to the socket to bind in (the JDK creates temporary directories
   * 0700; a umask can only take bits away). Next to it, so publishing is a link on one file system.
   * When the staged path would be too long for {@code sun_path} though the socket's own fits, binds
   * in place instead, and the mode is applied right after the bind.
   */
  static Staging stage(Path socket) throws IOException {
    Path parent = socket.getParent();
    int room = MAX_SOCKET_PATH - parent.toString().getBytes(StandardCharsets.UTF_8).length;
    if (room < ".sock-XXXXXXXXXXXXXXXXXXXX/s".length() + 1) {
      return new Staging(null, socket);
    }
    Path directory = Files.createTempDirectory(parent, ".sock-");
    return new Staging(directory, directory.resolve("s"));
  }

  /** Gives the bound socket its mode and group, then makes it appear at its path. */
  static void publish(Staging staging, Path socket, int mode, GroupPrincipal group) throws IOException {
    apply(staging.bindPath(), mode, group);
    if (staging.directory() == null) {
      return;
    }
    try {
      // link, not rename: never replaces a socket someone else created meanwhile
      Files.createLink(socket, staging.bindPath());
    } catch (FileAlreadyExistsException e) {
      BindException bind = new BindException("socket path " + socket + " appeared while binding: address in use");
      bind.initCause(e);
      throw bind;
    }
  }

  private static void apply(Path path, int mode, GroupPrincipal group) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
        LinkOption.NOFOLLOW_LINKS);
    if (group != null) {
      view.setGroup(group); // before the mode: chown may clear setgid bits
    }
    // chmod by path: a socket cannot be opened for fchmod, and the path is one we just created
    Files.setPosixFilePermissions(path, permissions(mode));
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }
}
