package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.Usage;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/** File-tree operations of the directory snapshotter: copy, measure, delete. */
final class Trees {

  private Trees() {}

  /**
   * Copies the content of {@code source} into the existing directory {@code target}: directories,
   * regular files (with their attributes) and symbolic links (as links). Hard links are copied as
   * separate files.
   */
  static void copyContent(Path source, Path target) throws IOException {
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Path to = target.resolve(source.relativize(dir).toString());
        if (!dir.equals(source)) {
          Files.copy(dir, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path to = target.resolve(source.relativize(file).toString());
        if (attrs.isSymbolicLink()) {
          Files.createSymbolicLink(to, Files.readSymbolicLink(file));
        } else {
          Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Measures a tree as containerd's {@code fs.DiskUsage} does, counting each inode once (hard links)
   * and the root directory itself. Sizes are apparent sizes ({@code st_size}), not allocated blocks:
   * Java exposes no block count.
   */
  static Usage measure(Path root) throws IOException {
    Set<Object> seen = new HashSet<>();
    long[] totals = new long[2];
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        count(attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        count(attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE; // removed while we walked: it no longer uses anything
        }
        throw e;
      }

      private void count(BasicFileAttributes attrs) {
        Object key = attrs.fileKey();
        if (key == null || seen.add(key)) {
          totals[0] += attrs.size();
          totals[1]++;
        }
      }
    });
    return new Usage(totals[0], totals[1]);
  }

  /**
   * Deletes a tree if it exists; links are removed, never followed. Whatever vanishes while we walk
   * (another thread or process deleting the same tree, e.g. a {@code Remove} racing the cleanup) counts
   * as deleted: the goal is that the tree is gone, not that this call removed every entry itself.
   */
  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(root, DELETER);
    } catch (NoSuchFileException e) {
      // The walk's own bookkeeping (e.g. opening a directory) found it gone: equally deleted.
    }
  }

  /** The visitor of {@link #deleteRecursively}; package-private so its race handling can be tested. */
  static final SimpleFileVisitor<Path> DELETER = new SimpleFileVisitor<>() {
    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
      Files.deleteIfExists(file);
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      if (e instanceof NoSuchFileException) {
        return FileVisitResult.CONTINUE;
      }
      throw e;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
      if (e != null && !(e instanceof NoSuchFileException)) {
        throw e;
      }
      Files.deleteIfExists(dir);
      return FileVisitResult.CONTINUE;
    }
  };
}
