package dev.acitrace.snapshotter.fs;

import static dev.acitrace.snapshotter.fs.NativeFs.AT_FDCWD;
import static dev.acitrace.snapshotter.fs.NativeFs.DT_DIR;
import static dev.acitrace.snapshotter.fs.NativeFs.EISDIR;
import static dev.acitrace.snapshotter.fs.NativeFs.ELOOP;
import static dev.acitrace.snapshotter.fs.NativeFs.ENOENT;
import static dev.acitrace.snapshotter.fs.NativeFs.ENOTDIR;
import static dev.acitrace.snapshotter.fs.NativeFs.ENOTEMPTY;
import static dev.acitrace.snapshotter.fs.NativeFs.O_CREAT;
import static dev.acitrace.snapshotter.fs.NativeFs.O_DIRECTORY;
import static dev.acitrace.snapshotter.fs.NativeFs.O_EXCL;
import static dev.acitrace.snapshotter.fs.NativeFs.O_NOCTTY;
import static dev.acitrace.snapshotter.fs.NativeFs.O_NOFOLLOW;
import static dev.acitrace.snapshotter.fs.NativeFs.O_NONBLOCK;
import static dev.acitrace.snapshotter.fs.NativeFs.O_PATH;
import static dev.acitrace.snapshotter.fs.NativeFs.O_RDONLY;
import static dev.acitrace.snapshotter.fs.NativeFs.O_WRONLY;
import static dev.acitrace.snapshotter.fs.NativeFs.cString;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.fs.NativeFs.ErrnoException;
import dev.acitrace.snapshotter.fs.NativeFs.InodeKey;
import dev.acitrace.snapshotter.fs.NativeFs.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * File-tree operations of the directory snapshotter: copy, measure, delete; none of them ever follows a
 * symbolic link or opens anything but a directory or a verified regular file.
 *
 * <p>A snapshot's content belongs to whoever runs in the container: any directory in it may become a
 * symlink to {@code /etc} between two steps of a walk. So a walk never resolves a path: it holds an
 * open descriptor of each directory it is in and names entries relative to it ({@code openat},
 * {@code unlinkat}, {@code statx}, ... with {@code O_NOFOLLOW} / {@code AT_SYMLINK_NOFOLLOW}), and
 * descends only with {@code O_DIRECTORY | O_NOFOLLOW}: a swapped-in symlink is seen as what it is, a
 * link, and is removed, copied or counted as one. Only the start of a walk (the snapshotter's own root,
 * chosen by the administrator) is resolved as a path, and its last component (the snapshot directory)
 * again without following.
 *
 * <p>Walks are iterative (an explicit stack), so depth costs one file descriptor per level and no Java
 * stack; a tree deeper than the descriptor limit fails with EMFILE rather than crashing.
 */
final class Trees {

  private static final Logger logger = Logger.getLogger(Trees.class.getName());

  /** Mode of a new snapshot directory without a parent: a container's root must be traversable. */
  static final int NEW_SNAPSHOT_MODE = 0755;
  /** How many times a directory is re-read and removal retried while someone keeps refilling it. */
  private static final int MAX_PASSES = 16;
  /** Longest name echoed in an error message. */
  private static final int MAX_ECHO = 256;

  private Trees() {}

  // ------------------------------------------------------------------------------------------- create

  /**
   * Creates a new, empty snapshot directory with mode {@value #NEW_SNAPSHOT_MODE} whatever the umask.
   *
   * @throws IOException if it exists (EEXIST) or cannot be created
   */
  static void createDirectory(Path directory) throws IOException {
    NativeFs.check();
    try (Start start = Start.of(directory)) {
      NativeFs.mkdirat(start.parent, start.name, 0700, start.what);
      NativeFs.lchmodat(start.parent, start.name, NEW_SNAPSHOT_MODE, start.what);
    }
  }

  // -------------------------------------------------------------------------------------------- copy

  /**
   * Copies the content of directory {@code source} into the existing empty directory {@code target}
   * as containerd's {@code fs.CopyDir} does: directories, regular files, symlinks (as links), device
   * nodes, FIFOs and sockets (recreated with {@code mknod}, never opened), hard links (kept as links
   * within the copy), with ownership, permission bits (setuid, setgid, sticky included), access and
   * modification times (of symlinks too) and extended attributes; the root's attributes go to
   * {@code target}.
   *
   * @throws IOException if anything cannot be copied exactly (e.g. mknod refused), or the source
   *     changes under the copy in a way that could make it read something else than it listed
   */
  static void copyContent(Path source, Path target) throws IOException {
    NativeFs.check();
    try (Start from = Start.of(source); Start to = Start.of(target)) {
      new Copier().copy(from, to);
    }
  }

  /**
   * One directory being copied: its source stream and descriptors on both sides; {@code path} is its
   * components from the target root (each NUL-terminated), for hard links.
   */
  private record CopyFrame(Pointer stream, int sourceFd, int targetFd, int sourceParent, int targetParent,
      byte[] sourceName, byte[] targetName, Stat stat, byte[][] path, String what) {}

  private static final class Copier {
    private final Memory buffer = NativeFs.statBuffer();
    /** First copy of each multiply-linked inode: its path in the target. */
    private final Map<InodeKey, byte[][]> links = new HashMap<>();
    private final Deque<CopyFrame> stack = new ArrayDeque<>();
    private int targetRoot = -1;

    void copy(Start from, Start to) throws IOException {
      try {
        int sourceFd = NativeFs.openDirectory(from.parent, from.name, from.what);
        Stat rootStat;
        int targetFd;
        try {
          rootStat = NativeFs.stat(sourceFd, buffer, from.what);
          targetFd = NativeFs.openDirectory(to.parent, to.name, to.what);
        } catch (IOException e) {
          NativeFs.close(sourceFd);
          throw e;
        }
        targetRoot = targetFd;
        Pointer stream;
        try {
          stream = NativeFs.openStream(sourceFd, from.what);
        } catch (IOException e) {
          NativeFs.close(targetFd);
          throw e;
        }
        stack.push(new CopyFrame(stream, sourceFd, targetFd, from.parent, to.parent, from.name, to.name,
            rootStat, new byte[0][], ""));
        int[] type = new int[1];
        while (!stack.isEmpty()) {
          CopyFrame frame = stack.peek();
          byte[] entry = NativeFs.next(frame.stream(), type, echo(frame.what()));
          if (entry == null) {
            stack.pop();
            try {
              finishDirectory(frame);
            } finally {
              NativeFs.closeStream(frame.stream());
              NativeFs.close(frame.targetFd());
            }
            continue;
          }
          copyEntry(frame, cString(entry), frame.what() + "/" + new String(entry, StandardCharsets.UTF_8));
        }
      } finally {
        while (!stack.isEmpty()) {
          CopyFrame frame = stack.pop();
          NativeFs.closeStream(frame.stream());
          NativeFs.close(frame.targetFd());
        }
      }
    }

    private void copyEntry(CopyFrame frame, byte[] name, String what) throws IOException {
      String shown = echo(what);
      Stat stat = NativeFs.stat(frame.sourceFd(), name, buffer, shown);
      if (stat.isDirectory()) {
        NativeFs.mkdirat(frame.targetFd(), name, 0700, shown);
        int sourceFd;
        try {
          sourceFd = NativeFs.openDirectory(frame.sourceFd(), name, shown);
        } catch (ErrnoException e) {
          throw changed(shown, e);
        }
        int targetFd = -1;
        try {
          Stat opened = NativeFs.stat(sourceFd, buffer, shown);
          if (!opened.key().equals(stat.key())) {
            throw new IOException("copy " + shown + ": the source changed during the copy");
          }
          targetFd = NativeFs.openDirectory(frame.targetFd(), name, shown);
        } catch (IOException e) {
          NativeFs.close(sourceFd);
          throw e;
        }
        Pointer stream;
        try {
          stream = NativeFs.openStream(sourceFd, shown);
        } catch (IOException e) {
          NativeFs.close(targetFd);
          throw e;
        }
        stack.push(new CopyFrame(stream, sourceFd, targetFd, frame.sourceFd(), frame.targetFd(), name, name, stat,
            append(frame.path(), name), what));
        return;
      }
      if (stat.nlink() > 1) {
        byte[][] first = links.get(stat.key());
        if (first != null) {
          link(first, frame.targetFd(), name, shown);
          return;
        }
        links.put(stat.key(), append(frame.path(), name));
      }
      switch (stat.type()) {
        case NativeFs.S_IFREG -> copyRegular(frame, name, stat, shown);
        case NativeFs.S_IFLNK -> NativeFs.symlinkat(
            NativeFs.readlinkat(frame.sourceFd(), name, stat.size(), shown), frame.targetFd(), name, shown);
        case NativeFs.S_IFCHR, NativeFs.S_IFBLK, NativeFs.S_IFIFO, NativeFs.S_IFSOCK ->
            // recreated, never opened: opening a FIFO blocks, opening a device reads the host's
            NativeFs.mknodat(frame.targetFd(), name, stat.type() | 0600, stat.rdevMajor(), stat.rdevMinor(), shown);
        default -> {
          logger.warning(() -> "copy: skipping " + shown + " of unsupported type 0" + Integer.toOctalString(stat.type()));
          return;
        }
      }
      applyAttributes(frame.sourceFd(), frame.targetFd(), name, name, stat, shown);
    }

    private void copyRegular(CopyFrame frame, byte[] name, Stat stat, String what) throws IOException {
      // O_PATH pins the inode without opening the file (no device open, no FIFO wait); only once it is
      // proven to be the regular file we listed is it opened for reading, through /proc
      int pinned;
      try {
        pinned = NativeFs.openat(frame.sourceFd(), name, O_PATH | O_NOFOLLOW, 0, what);
      } catch (ErrnoException e) {
        throw changed(what, e);
      }
      int in;
      try {
        Stat now = NativeFs.stat(pinned, buffer, what);
        if (!now.isRegular() || !now.key().equals(stat.key())) {
          throw new IOException("copy " + what + ": the source changed during the copy");
        }
        in = NativeFs.openat(AT_FDCWD, cString("/proc/self/fd/" + pinned), O_RDONLY | O_NOCTTY | O_NONBLOCK, 0,
            what);
      } finally {
        NativeFs.close(pinned);
      }
      try {
        int out = NativeFs.openat(frame.targetFd(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, what);
        try {
          NativeFs.copyContent(in, out, what);
        } finally {
          NativeFs.close(out);
        }
      } finally {
        NativeFs.close(in);
      }
    }

    private void link(byte[][] first, int targetDir, byte[] name, String what) throws IOException {
      int dir = targetRoot;
      try {
        for (int i = 0; i < first.length - 1; i++) {
          int next = NativeFs.openDirectory(dir, first[i], what);
          if (dir != targetRoot) {
            NativeFs.close(dir);
          }
          dir = next;
        }
        NativeFs.linkat(dir, first[first.length - 1], targetDir, name, what);
      } finally {
        if (dir != targetRoot) {
          NativeFs.close(dir);
        }
      }
    }

    private void finishDirectory(CopyFrame frame) throws IOException {
      // after the children: a read-only mode would stop us writing them (non-root), and adding them
      // changed the mtime
      applyAttributes(frame.sourceParent(), frame.targetParent(), frame.sourceName(), frame.targetName(), frame.stat(),
          echo(frame.what().isEmpty() ? "/" : frame.what()));
    }

    /** Ownership, then mode (chown clears setuid), then xattrs (chown clears capabilities), then times. */
    private void applyAttributes(int sourceDir, int targetDir, byte[] sourceName, byte[] targetName, Stat stat,
        String what) throws IOException {
      NativeFs.lchownat(targetDir, targetName, stat.uid(), stat.gid(), what);
      if (!stat.isSymlink()) {
        NativeFs.lchmodat(targetDir, targetName, stat.mode(), what);
      }
      NativeFs.copyXattrs(NativeFs.procPath(sourceDir, sourceName), NativeFs.procPath(targetDir, targetName), what);
      NativeFs.utimensat(targetDir, targetName, stat.times(), what);
    }
  }

  private static IOException changed(String what, ErrnoException e) {
    if (e.errno == ELOOP || e.errno == ENOTDIR || e.errno == ENOENT) {
      return new IOException("copy " + what + ": the source changed during the copy (" + e.getMessage() + ")", e);
    }
    return e;
  }

  private static byte[][] append(byte[][] path, byte[] name) {
    byte[][] longer = Arrays.copyOf(path, path.length + 1);
    longer[path.length] = name;
    return longer;
  }

  // ------------------------------------------------------------------------------------------ measure

  /**
   * Measures a tree as containerd's {@code fs.DiskUsage} does, counting each inode once (hard links)
   * and the root directory itself. Sizes are apparent sizes ({@code st_size}). Entries that vanish
   * while we walk no longer use anything and are skipped; symlinks are counted, never followed.
   *
   * @throws NoSuchFileException if {@code root} does not exist
   */
  static Usage measure(Path root) throws IOException {
    NativeFs.check();
    Memory buffer = NativeFs.statBuffer();
    Set<InodeKey> seen = new HashSet<>();
    long size = 0;
    long inodes = 0;
    Deque<DirFrame> stack = new ArrayDeque<>();
    try (Start start = Start.of(root)) {
      int rootFd;
      try {
        rootFd = NativeFs.openDirectory(start.parent, start.name, start.what);
      } catch (ErrnoException e) {
        if (e.errno == ENOENT) {
          throw new NoSuchFileException(root.toString());
        }
        throw e;
      }
      Stat rootStat;
      try {
        rootStat = NativeFs.stat(rootFd, buffer, start.what);
      } catch (IOException e) {
        NativeFs.close(rootFd);
        throw e;
      }
      seen.add(rootStat.key());
      size += rootStat.size();
      inodes++;
      stack.push(new DirFrame(NativeFs.openStream(rootFd, start.what), rootFd, null, ""));
      int[] type = new int[1];
      while (!stack.isEmpty()) {
        DirFrame frame = stack.peek();
        byte[] entry = NativeFs.next(frame.stream, type, echo(frame.what));
        if (entry == null) {
          NativeFs.closeStream(stack.pop().stream);
          continue;
        }
        byte[] name = cString(entry);
        String what = echo(frame.what + "/" + new String(entry, StandardCharsets.UTF_8));
        Stat stat;
        try {
          stat = NativeFs.stat(frame.fd, name, buffer, what);
        } catch (ErrnoException e) {
          if (e.errno == ENOENT) {
            continue;
          }
          throw e;
        }
        if (seen.add(stat.key())) {
          size += stat.size();
          inodes++;
        }
        if (stat.isDirectory()) {
          int fd;
          try {
            fd = NativeFs.openDirectory(frame.fd, name, what);
          } catch (ErrnoException e) {
            if (e.errno == ENOENT || e.errno == ELOOP || e.errno == ENOTDIR) {
              continue; // gone, or replaced by a link or file: never followed
            }
            throw e;
          }
          stack.push(new DirFrame(NativeFs.openStream(fd, what), fd, name, what));
        }
      }
    } finally {
      while (!stack.isEmpty()) {
        NativeFs.closeStream(stack.pop().stream);
      }
    }
    return new Usage(size, inodes);
  }

  // ------------------------------------------------------------------------------------------- delete

  /**
   * Deletes a tree if it exists; links are removed, never followed. Whatever vanishes while we walk
   * (another thread or process deleting the same tree, e.g. a {@code Remove} racing the cleanup) counts
   * as deleted: the goal is that the tree is gone, not that this call removed every entry itself.
   */
  static void deleteRecursively(Path root) throws IOException {
    NativeFs.check();
    Start start;
    try {
      start = Start.of(root);
    } catch (ErrnoException e) {
      if (e.errno == ENOENT) {
        return;
      }
      throw e;
    }
    try (start) {
      removeEntry(start.parent, start.name, start.what);
    }
  }

  /** Removes {@code name} from {@code dirfd} whatever it is; a directory is emptied first. */
  private static void removeEntry(int dirfd, byte[] name, String what) throws IOException {
    for (int pass = 0; ; pass++) {
      if (unlinkNonDirectory(dirfd, name, what)) {
        return;
      }
      int fd;
      try {
        fd = NativeFs.openDirectory(dirfd, name, what);
      } catch (ErrnoException e) {
        if (e.errno == ENOENT) {
          return;
        }
        if ((e.errno == ELOOP || e.errno == ENOTDIR) && pass < MAX_PASSES) {
          continue; // replaced by a link or file since: unlink that
        }
        throw e;
      }
      empty(fd, what);
      try {
        NativeFs.unlinkat(dirfd, name, true, what);
        return;
      } catch (ErrnoException e) {
        if (e.errno == ENOENT) {
          return;
        }
        if ((e.errno == ENOTEMPTY || e.errno == ENOTDIR) && pass < MAX_PASSES) {
          continue; // refilled or replaced meanwhile: go again
        }
        throw e;
      }
    }
  }

  /**
   * Unlinks {@code name} unless it is a directory.
   *
   * @return true if it is gone (unlinked here, or by someone else meanwhile), false if it is a directory
   */
  private static boolean unlinkNonDirectory(int dirfd, byte[] name, String what) throws IOException {
    try {
      NativeFs.unlinkat(dirfd, name, false, what);
      return true;
    } catch (ErrnoException e) {
      if (e.errno == ENOENT) {
        return true;
      }
      if (e.errno != EISDIR) {
        throw e;
      }
      return false;
    }
  }

  private static final class DirFrame {
    final Pointer stream;
    final int fd;
    final byte[] name;
    final String what;
    int passes;
    boolean sawEntries;

    DirFrame(Pointer stream, int fd, byte[] name, String what) {
      this.stream = stream;
      this.fd = fd;
      this.name = name;
      this.what = what;
    }
  }

  /** Empties the directory open as {@code fd} (and closes it). */
  private static void empty(int fd, String what) throws IOException {
    Deque<DirFrame> stack = new ArrayDeque<>();
    stack.push(new DirFrame(NativeFs.openStream(fd, what), fd, null, what));
    int[] type = new int[1];
    try {
      while (!stack.isEmpty()) {
        DirFrame frame = stack.peek();
        byte[] entry = NativeFs.next(frame.stream, type, frame.what);
        if (entry == null) {
          // Entries removed or added while a directory is read may or may not be listed: read it
          // again until a pass finds it empty (bounded, against someone refilling it forever).
          if (frame.sawEntries && frame.passes < MAX_PASSES) {
            frame.passes++;
            frame.sawEntries = false;
            NativeFs.rewind(frame.stream);
            continue;
          }
          NativeFs.closeStream(stack.pop().stream);
          if (frame.name != null) {
            DirFrame parent = stack.peek();
            try {
              NativeFs.unlinkat(parent.fd, frame.name, true, frame.what);
            } catch (ErrnoException e) {
              if (e.errno == ENOTEMPTY || e.errno == ENOTDIR) {
                parent.sawEntries = true; // the parent's next pass deals with it again
              } else if (e.errno != ENOENT) {
                throw e;
              }
            }
          }
          continue;
        }
        frame.sawEntries = true;
        byte[] name = cString(entry);
        String child = echo(frame.what + "/" + new String(entry, StandardCharsets.UTF_8));
        if (type[0] != DT_DIR && unlinkNonDirectory(frame.fd, name, child)) {
          continue;
        }
        int childFd;
        try {
          childFd = NativeFs.openDirectory(frame.fd, name, child);
        } catch (ErrnoException e) {
          if (e.errno == ENOENT) {
            continue;
          }
          if (e.errno != ELOOP && e.errno != ENOTDIR) {
            throw e;
          }
          // no longer a directory (a symlink swapped in, say): remove the entry itself
          unlinkNonDirectory(frame.fd, name, child);
          continue;
        }
        stack.push(new DirFrame(NativeFs.openStream(childFd, child), childFd, name, child));
      }
    } finally {
      while (!stack.isEmpty()) {
        NativeFs.closeStream(stack.pop().stream);
      }
    }
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static String echo(String what) {
    return what.length() <= MAX_ECHO ? what : what.substring(0, MAX_ECHO) + "...";
  }

  /**
   * Where a walk starts: the parent directory, resolved as a path (the administrator's root), open;
   * and the last component, to be opened from it without following.
   */
  private static final class Start implements AutoCloseable {
    final int parent;
    final byte[] name;
    final String what;

    private Start(int parent, byte[] name, String what) {
      this.parent = parent;
      this.name = name;
      this.what = what;
    }

    static Start of(Path path) throws IOException {
      Path absolute = path.toAbsolutePath().normalize();
      Path parent = absolute.getParent();
      if (parent == null || absolute.getFileName() == null) {
        throw new IOException("refusing to operate on the file system root");
      }
      String what = echo(absolute.toString());
      int fd = NativeFs.openat(AT_FDCWD, cString(parent.toString()), O_RDONLY | O_DIRECTORY, 0, echo(parent.toString()));
      return new Start(fd, cString(absolute.getFileName().toString()), what);
    }

    @Override
    public void close() {
      NativeFs.close(parent);
    }
  }
}
