package dev.acitrace.snapshotter.fs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The libc calls the file-tree code needs and Java does not offer: directory-relative ({@code *at}),
 * no-follow variants, device nodes, ownership and times of links, and extended attributes.
 *
 * <p>Every path argument is a NUL-terminated byte array: file names are bytes on Linux, not text,
 * and must come back unchanged. Sizes ({@code size_t}, {@code ssize_t}, {@code dev_t}) are 64-bit
 * {@code long}s: only 64-bit Linux is supported (see {@link NativeFs}).
 */
interface LibC extends Library {

  int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  /** Takes ownership of {@code fd}: {@link #closedir} closes it. */
  Pointer fdopendir(int fd) throws LastErrorException;

  /** Null at the end and on error: tell them apart by errno (set to 0 before the call). */
  Pointer readdir(Pointer dir);

  void rewinddir(Pointer dir);

  int closedir(Pointer dir);

  int statx(int dirfd, byte[] path, int flags, int mask, Pointer buffer) throws LastErrorException;

  int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

  int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

  int mknodat(int dirfd, byte[] path, int mode, long dev) throws LastErrorException;

  int symlinkat(byte[] target, int newdirfd, byte[] linkpath) throws LastErrorException;

  long readlinkat(int dirfd, byte[] path, byte[] buffer, long size) throws LastErrorException;

  int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;

  int fchownat(int dirfd, byte[] path, int uid, int gid, int flags) throws LastErrorException;

  int fchmod(int fd, int mode) throws LastErrorException;

  int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

  /** {@code times}: atime seconds, atime nanoseconds, mtime seconds, mtime nanoseconds. */
  int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

  long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long length, int flags)
      throws LastErrorException;

  long read(int fd, byte[] buffer, long count) throws LastErrorException;

  long write(int fd, byte[] buffer, long count) throws LastErrorException;

  long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

  long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

  int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;
}
