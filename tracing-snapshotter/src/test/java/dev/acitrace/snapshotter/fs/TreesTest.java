package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Deleting a tree that someone else deletes at the same time. */
@Timeout(60)
class TreesTest {

  @TempDir Path temp;

  @Test
  void entriesThatVanishDuringTheWalk_countAsDeleted() throws IOException {
    Path gone = temp.resolve("gone");
    assertThat(Trees.DELETER.visitFileFailed(gone, new NoSuchFileException(gone.toString())))
        .isEqualTo(FileVisitResult.CONTINUE);
    Path dir = Files.createDirectory(temp.resolve("dir"));
    assertThat(Trees.DELETER.postVisitDirectory(dir, new NoSuchFileException(dir.toString())))
        .isEqualTo(FileVisitResult.CONTINUE);
    assertThat(dir).doesNotExist();
  }

  @Test
  void otherFailures_stillPropagate() {
    Path dir = temp.resolve("x");
    IOException denied = new java.nio.file.AccessDeniedException(dir.toString());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Trees.DELETER.visitFileFailed(dir, denied))
        .isSameAs(denied);
  }

  @Test
  void concurrentDeletesOfTheSameTree_allSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 20; round++) {
        Path root = temp.resolve("tree" + round);
        for (int d = 0; d < 20; d++) {
          Path sub = Files.createDirectories(root.resolve("d" + d).resolve("e"));
          for (int f = 0; f < 10; f++) {
            Files.writeString(sub.resolve("f" + f), "x");
          }
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> deletes = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          deletes.add(pool.submit(() -> {
            go.await();
            Trees.deleteRecursively(root);
            return null;
          }));
        }
        go.countDown();
        for (Future<?> delete : deletes) {
          delete.get(30, TimeUnit.SECONDS); // throws if any delete failed
        }
        assertThat(root).doesNotExist();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
