package dev.acitrace.snapshotter.fs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Directory-relative, no-follow file operations over libc (through JNA), with errors as
 * {@link IOException}s carrying errno.
 *
 * <p>Why libc: Java's file API resolves whole paths (every component may be a symlink someone just
 * swapped in) and has no {@code mknod}, no ownership or times of a symlink itself, no extended
 * attributes of special files. {@code SecureDirectoryStream} covers directory-relative deletion but
 * none of the rest. A call that libc or the kernel lacks fails the operation with an
 * {@link IOException} naming it; nothing falls back to a path-based or content-reading equivalent.
 *
 * <p>Supported: 64-bit Linux on x86-64 and aarch64 (the {@code open} flags differ between them;
 * {@code statx} and {@code struct dirent} have one layout on both). Elsewhere {@link #check()} fails.
 */
final class NativeFs {

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_REMOVEDIR = 0x200;
  static final int AT_EMPTY_PATH = 0x1000;

  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_NOCTTY = 0400;
  static final int O_NONBLOCK = 04000;
  static final int O_CLOEXEC = 02000000;
  static final int O_PATH = 010000000;
  static final int O_DIRECTORY;
  static final int O_NOFOLLOW;

  static final int S_IFMT = 0170000;
  static final int S_IFSOCK = 0140000;
  static final int S_IFLNK = 0120000;
  static final int S_IFREG = 0100000;
  static final int S_IFBLK = 060000;
  static final int S_IFDIR = 040000;
  static final int S_IFCHR = 020000;
  static final int S_IFIFO = 010000;

  static final int ENOENT = 2;
  static final int EPERM = 1;
  static final int EXDEV = 18;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ERANGE = 34;
  static final int ENOSYS = 38;
  static final int ENOTEMPTY = 39;
  static final int ELOOP = 40;
  static final int ENODATA = 61;
  static final int EOPNOTSUPP = 95;

  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final int STATX_SIZE = 256;
  /** {@code struct dirent} on 64-bit Linux: d_ino, d_off (8 bytes each), d_reclen (2), d_type, d_name. */
  private static final int DIRENT_TYPE = 18;
  private static final int DIRENT_NAME = 19;

  static final byte[] EMPTY = {0};
  static final byte[] DOT = {'.', 0};

  private static final LibC C;
  private static final String UNAVAILABLE;

  static {
    String arch = Platform.ARCH;
    LibC c = null;
    String reason = null;
    if (!Platform.isLinux() || !Platform.is64Bit() || !(arch.equals("x86-64") || arch.equals("aarch64"))) {
      reason = "needs 64-bit Linux on x86-64 or aarch64, this is " + System.getProperty("os.name") + " " + arch;
    } else {
      try {
        c = Native.load(Platform.C_LIBRARY_NAME, LibC.class); // libc.so.6: no dev package needed
      } catch (LinkageError | RuntimeException e) {
        reason = "cannot load libc through JNA: " + e;
      }
    }
    C = c;
    UNAVAILABLE = reason;
    boolean aarch64 = "aarch64".equals(arch);
    O_DIRECTORY = aarch64 ? 040000 : 0200000;
    O_NOFOLLOW = aarch64 ? 0100000 : 0400000;
  }

  private NativeFs() {}

  /** Fails unless the native calls are usable here. */
  static void check() throws IOException {
    if (C == null) {
      throw new IOException("symlink-safe file operations are unavailable: " + UNAVAILABLE
          + "; refusing to fall back to path-based operations");
    }
  }

  /** An error from a libc call, with its errno. */
  static final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    final int errno;

    ErrnoException(String message, int errno) {
      super(message);
      this.errno = errno;
    }
  }

  /** File status from {@code statx}, the fields the tree code uses. */
  record Stat(int type, int mode, int uid, int gid, long nlink, long ino, int devMajor, int devMinor,
      int rdevMajor, int rdevMinor, long size, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) {

    boolean isDirectory() {
      return type == S_IFDIR;
    }

    boolean isRegular() {
      return type == S_IFREG;
    }

    boolean isSymlink() {
      return type == S_IFLNK;
    }

    /** The inode's identity on this host (device and inode number). */
    InodeKey key() {
      return new InodeKey(devMajor, devMinor, ino);
    }

    long[] times() {
      return new long[] {atimeSec, atimeNsec, mtimeSec, mtimeNsec};
    }
  }

  record InodeKey(int devMajor, int devMinor, long ino) {}

  // ------------------------------------------------------------------------------------------ calls

  static byte[] cString(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    return Arrays.copyOf(bytes, bytes.length + 1);
  }

  static byte[] cString(byte[] name) {
    return Arrays.copyOf(name, name.length + 1);
  }

  static int openat(int dirfd, byte[] name, int flags, int mode, String what) throws IOException {
    return (int) call("open", "openat", what, c -> c.openat(dirfd, name, flags | O_CLOEXEC, mode));
  }

  /** Opens a directory, refusing a symlink (ELOOP) or anything else (ENOTDIR). */
  static int openDirectory(int dirfd, byte[] name, String what) throws IOException {
    return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, what);
  }

  static void close(int fd) {
    try {
      C.close(fd);
    } catch (LastErrorException e) {
      // nothing to do: the descriptor is released either way
    }
  }

  /** Starts reading a directory; on success the stream owns {@code fd}, on failure {@code fd} is closed. */
  static Pointer openStream(int fd, String what) throws IOException {
    try {
      return C.fdopendir(fd);
    } catch (LastErrorException e) {
      close(fd);
      throw error("opendir", what, e);
    } catch (UnsatisfiedLinkError e) {
      close(fd);
      throw missing("fdopendir", e);
    }
  }

  /** The next entry's name (without "." and ".."), and its d_type in {@code type[0]}; null at the end. */
  static byte[] next(Pointer dir, int[] type, String what) throws IOException {
    while (true) {
      Native.setLastError(0);
      Pointer entry = C.readdir(dir);
      if (entry == null) {
        int errno = Native.getLastError();
        if (errno != 0) {
          throw new ErrnoException("readdir " + what + ": errno " + errno, errno);
        }
        return null;
      }
      long length = entry.indexOf(DIRENT_NAME, (byte) 0); // counted from DIRENT_NAME
      byte[] name = entry.getByteArray(DIRENT_NAME, (int) length);
      if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
        continue;
      }
      type[0] = entry.getByte(DIRENT_TYPE) & 0xff;
      return name;
    }
  }

  static final int DT_UNKNOWN = 0;
  static final int DT_DIR = 4;

  static void rewind(Pointer dir) {
    C.rewinddir(dir);
  }

  static void closeStream(Pointer dir) {
    C.closedir(dir);
  }

  /** {@code statx} of {@code name} in {@code dirfd}, never following a symlink. */
  static Stat stat(int dirfd, byte[] name, Memory buffer, String what) throws IOException {
    return statx(dirfd, name, AT_SYMLINK_NOFOLLOW, buffer, what);
  }

  /** {@code statx} of an open descriptor. */
  static Stat stat(int fd, Memory buffer, String what) throws IOException {
    return statx(fd, EMPTY, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, buffer, what);
  }

  static Memory statBuffer() {
    return new Memory(STATX_SIZE);
  }

  private static Stat statx(int dirfd, byte[] name, int flags, Memory b, String what) throws IOException {
    call("stat", "statx", what, c -> c.statx(dirfd, name, flags, STATX_BASIC_STATS, b));
    int mode = b.getShort(28) & 0xffff;
    return new Stat(mode & S_IFMT, mode & 07777, b.getInt(20), b.getInt(24), b.getInt(16) & 0xffffffffL,
        b.getLong(32), b.getInt(136), b.getInt(140), b.getInt(128), b.getInt(132), b.getLong(40),
        b.getLong(64), b.getInt(72), b.getLong(112), b.getInt(120));
  }

  /** Removes a non-directory entry ({@code directory} false) or an empty directory; never follows. */
  static void unlinkat(int dirfd, byte[] name, boolean directory, String what) throws IOException {
    call("unlink", "unlinkat", what, c -> c.unlinkat(dirfd, name, directory ? AT_REMOVEDIR : 0));
  }

  static void mkdirat(int dirfd, byte[] name, int mode, String what) throws IOException {
    call("mkdir", "mkdirat", what, c -> c.mkdirat(dirfd, name, mode));
  }

  static void mknodat(int dirfd, byte[] name, int mode, int major, int minor, String what) throws IOException {
    call("mknod", "mknodat", what, c -> c.mknodat(dirfd, name, mode, makedev(major, minor)));
  }

  /** glibc's {@code makedev}. */
  static long makedev(int major, int minor) {
    long ma = major & 0xffffffffL;
    long mi = minor & 0xffffffffL;
    return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
  }

  static byte[] readlinkat(int dirfd, byte[] name, long size, String what) throws IOException {
    // a symlink's target is at most PATH_MAX - 1 bytes; st_size tells the real length (0 on some
    // pseudo file systems, hence the floor)
    byte[] buffer = new byte[(int) Math.max(Math.min(size + 1, 4096), 256)];
    long n = call("readlink", "readlinkat", what, c -> c.readlinkat(dirfd, name, buffer, buffer.length));
    if (n >= buffer.length) {
      throw new IOException("readlink " + what + ": target longer than " + (buffer.length - 1) + " bytes");
    }
    return Arrays.copyOf(buffer, (int) n + 1); // NUL-terminated, ready for symlinkat
  }

  static void symlinkat(byte[] target, int dirfd, byte[] name, String what) throws IOException {
    call("symlink", "symlinkat", what, c -> c.symlinkat(target, dirfd, name));
  }

  static void linkat(int olddirfd, byte[] oldname, int newdirfd, byte[] newname, String what) throws IOException {
    // flags 0: a symlink is linked, not followed
    call("link", "linkat", what, c -> c.linkat(olddirfd, oldname, newdirfd, newname, 0));
  }

  static void lchownat(int dirfd, byte[] name, int uid, int gid, String what) throws IOException {
    call("chown", "fchownat", what, c -> c.fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW));
  }

  static void fchmod(int fd, int mode, String what) throws IOException {
    call("chmod", "fchmod", what, c -> c.fchmod(fd, mode));
  }

  /** chmod of a non-symlink entry without following a symlink put in its place. */
  static void lchmodat(int dirfd, byte[] name, int mode, String what) throws IOException {
    try {
      C.fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW); // glibc >= 2.32 (fchmodat2 or O_PATH)
      return;
    } catch (LastErrorException e) {
      if (e.getErrorCode() != EOPNOTSUPP && e.getErrorCode() != ENOSYS && e.getErrorCode() != EINVAL) {
        throw error("chmod", what, e);
      }
    } catch (UnsatisfiedLinkError e) {
      throw missing("fchmodat", e);
    }
    // older glibc: pin the inode with O_PATH (never opens a device) and chmod it through /proc
    int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW, 0, what);
    try {
      Memory buffer = statBuffer();
      if (stat(fd, buffer, what).isSymlink()) {
        throw new IOException("chmod " + what + ": is a symbolic link");
      }
      try {
        C.fchmodat(AT_FDCWD, cString("/proc/self/fd/" + fd), mode, 0);
      } catch (LastErrorException e) {
        throw error("chmod", what, e);
      }
    } finally {
      close(fd);
    }
  }

  static void utimensat(int dirfd, byte[] name, long[] times, String what) throws IOException {
    call("utimensat", "utimensat", what, c -> c.utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW));
  }

  /** Copies all of {@code in} (from its current offset) to {@code out}. */
  static void copyContent(int in, int out, String what) throws IOException {
    boolean first = true;
    while (true) {
      long n;
      try {
        n = C.copy_file_range(in, null, out, null, 1L << 30, 0);
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (first && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP)) {
          break; // not supported here: copy through user space below
        }
        throw error("copy", what, e);
      } catch (UnsatisfiedLinkError e) {
        break;
      }
      if (n == 0) {
        return;
      }
      first = false;
    }
    byte[] buffer = new byte[128 * 1024];
    try {
      while (true) {
        long n = C.read(in, buffer, buffer.length);
        if (n == 0) {
          return;
        }
        for (long done = 0; done < n; ) {
          byte[] chunk = done == 0 ? buffer : Arrays.copyOfRange(buffer, (int) done, (int) n);
          done += C.write(out, chunk, n - done);
        }
      }
    } catch (LastErrorException e) {
      throw error("copy", what, e);
    }
  }

  /**
   * The path of entry {@code name} of the open directory {@code dirfd} through {@code /proc}: the
   * kernel resolves {@code /proc/self/fd/N} to that very directory, whatever happened to its path, so
   * the l*xattr calls below touch only {@code name} in it (never following it). There are no
   * {@code *xattrat} calls in glibc, and special files must not be opened for {@code f*xattr}.
   */
  static byte[] procPath(int dirfd, byte[] name) {
    byte[] prefix = ("/proc/self/fd/" + dirfd + "/").getBytes(StandardCharsets.US_ASCII);
    byte[] path = Arrays.copyOf(prefix, prefix.length + name.length);
    System.arraycopy(name, 0, path, prefix.length, name.length); // name is NUL-terminated
    return path;
  }

  /**
   * Copies every extended attribute of {@code source} to {@code target} (both from
   * {@link #procPath}); a file system without xattr support has none to copy.
   */
  static void copyXattrs(byte[] source, byte[] target, String what) throws IOException {
    byte[] list;
    try {
      long size = C.llistxattr(source, null, 0);
      if (size <= 0) {
        return;
      }
      list = new byte[(int) size];
      size = C.llistxattr(source, list, list.length);
      list = Arrays.copyOf(list, (int) size);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == EOPNOTSUPP) {
        return;
      }
      throw error("listxattr", what, e);
    } catch (UnsatisfiedLinkError e) {
      throw missing("llistxattr", e);
    }
    int start = 0;
    for (int i = 0; i < list.length; i++) {
      if (list[i] != 0) {
        continue;
      }
      byte[] name = Arrays.copyOfRange(list, start, i + 1);
      start = i + 1;
      byte[] value;
      try {
        long size = C.lgetxattr(source, name, null, 0);
        value = new byte[(int) size];
        size = C.lgetxattr(source, name, value, value.length);
        value = Arrays.copyOf(value, (int) size);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == ENODATA) {
          continue; // removed since listed
        }
        throw error("getxattr " + new String(name, 0, name.length - 1, StandardCharsets.UTF_8), what, e);
      }
      try {
        C.lsetxattr(target, name, value, value.length, 0);
      } catch (LastErrorException e) {
        throw error("setxattr " + new String(name, 0, name.length - 1, StandardCharsets.UTF_8), what, e);
      }
    }
  }

  /** A libc call, its result widened to a long. */
  @FunctionalInterface
  private interface Call {
    long on(LibC c);
  }

  /**
   * Makes a libc call: its failure is an {@link ErrnoException} saying {@code operation} and
   * {@code what}; a libc without {@code function} refuses the operation (no path-based fallback).
   */
  private static long call(String operation, String function, String what, Call call) throws IOException {
    try {
      return call.on(C);
    } catch (LastErrorException e) {
      throw error(operation, what, e);
    } catch (UnsatisfiedLinkError e) {
      throw missing(function, e);
    }
  }

  private static ErrnoException error(String operation, String what, LastErrorException e) {
    return new ErrnoException(operation + " " + what + ": " + e.getMessage(), e.getErrorCode());
  }

  private static IOException missing(String call, UnsatisfiedLinkError e) {
    return new IOException("this libc has no " + call + "(): refusing the operation rather than falling back"
        + " to path-based file operations", e);
  }
}
