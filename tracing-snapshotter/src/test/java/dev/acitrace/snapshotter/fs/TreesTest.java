package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.Usage;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tree operations under attack: a thread inside the snapshot keeps swapping a directory for a
 * symlink to a directory outside the root, while the snapshotter deletes, copies or measures the tree.
 */
@Timeout(300)
class TreesTest {

  /** Races per operation: each is one full delete / copy / measure while the swapper runs. */
  static final int RACES = 1_000;
  private static final String CANARY = "canary: must never be deleted, read or counted\n";
  /** Far bigger than any tree the tests build, so counting it shows. */
  private static final int BIG_CANARY_SIZE = 1 << 20;

  @TempDir Path temp;
  private Path outside;

  @BeforeEach
  void canaries() throws IOException {
    outside = Files.createDirectory(temp.resolve("outside"));
    Files.writeString(outside.resolve("canary"), CANARY);
    Files.createDirectory(outside.resolve("e"));
    Files.writeString(outside.resolve("e").resolve("canary"), CANARY);
    Files.writeString(outside.resolve("f0"), CANARY); // same names as the snapshot's files
    Files.write(outside.resolve("big"), new byte[BIG_CANARY_SIZE]);
  }

  @Test
  void deleteRecursively_whileADirectoryIsSwappedForASymlinkOutside_neverTouchesOutside() throws Exception {
    int swaps = 0;
    int refused = 0;
    for (int race = 0; race < RACES; race++) {
      Path victim = temp.resolve("victim");
      Path swapped = victim.resolve("d");
      fill(swapped);
      Files.createDirectory(victim.resolve("later")); // walked after d, so the swapper has time to act
      fill(victim.resolve("later"));
      Swapper swapper = new Swapper(swapped, victim.resolve("aside"));
      try {
        Trees.deleteRecursively(victim);
      } catch (IOException e) {
        refused++; // the swapper kept refilling a directory: an error is an acceptable answer, harm is not
      } finally {
        swapper.close();
      }
      swaps += swapper.swaps.get();
      Trees.deleteRecursively(victim); // the swapper may have recreated entries after the walk passed
      assertThat(victim).doesNotExist();
      assertCanariesIntact("race " + race);
    }
    assertThat(swaps).as("swaps during the deletes").isGreaterThan(0);
    System.out.println("delete races: " + RACES + ", symlink swaps: " + swaps + ", refused: " + refused);
  }

  @Test
  void copyContent_whileADirectoryIsSwappedForASymlinkOutside_neverCopiesOutside() throws Exception {
    Path source = Files.createDirectory(temp.resolve("source"));
    Path swapped = source.resolve("d");
    fill(swapped);
    fill(source.resolve("later"));
    int failed = 0;
    try (Swapper swapper = new Swapper(swapped, temp.resolve("aside"))) {
      for (int race = 0; race < RACES; race++) {
        Path target = Files.createDirectory(temp.resolve("target"));
        try {
          Trees.copyContent(source, target);
        } catch (IOException e) {
          failed++; // "the source changed during the copy" is a correct answer too
        }
        assertThat(contentOf(target)).as("race %d: nothing from outside the source", race)
            .doesNotContain(CANARY);
        assertThat(sizeOf(target)).as("race %d", race).isLessThan(BIG_CANARY_SIZE);
        Trees.deleteRecursively(target);
        assertCanariesIntact("race " + race);
      }
      assertThat(swapper.swaps.get()).as("swaps during the copies").isGreaterThan(0);
    }
    System.out.println("copy races: " + RACES + ", refused as changed: " + failed);
  }

  @Test
  void measure_whileADirectoryIsSwappedForASymlinkOutside_neverCountsOutside() throws Exception {
    Path tree = Files.createDirectory(temp.resolve("tree"));
    Path swapped = tree.resolve("d");
    fill(swapped);
    fill(tree.resolve("later"));
    try (Swapper swapper = new Swapper(swapped, temp.resolve("aside"))) {
      for (int race = 0; race < RACES; race++) {
        Usage usage = Trees.measure(tree);
        assertThat(usage.size()).as("race %d: the big canary outside is never counted", race)
            .isLessThan(BIG_CANARY_SIZE);
      }
      assertThat(swapper.swaps.get()).as("swaps during the walks").isGreaterThan(0);
    }
    assertCanariesIntact("after the walks");
  }

  @Test
  void deleteRecursively_symlinkToOutside_removesTheLinkOnly() throws IOException {
    Path tree = Files.createDirectory(temp.resolve("tree"));
    Files.createSymbolicLink(tree.resolve("link"), outside);
    Files.createSymbolicLink(temp.resolve("top"), outside);
    Trees.deleteRecursively(tree);
    Trees.deleteRecursively(temp.resolve("top"));
    assertThat(tree).doesNotExist();
    assertThat(temp.resolve("top")).doesNotExist();
    assertCanariesIntact("links removed");
  }

  @Test
  void copyContent_symlinks_stayLinks() throws IOException {
    Path source = Files.createDirectory(temp.resolve("source"));
    Files.createSymbolicLink(source.resolve("abs"), outside);
    Files.createSymbolicLink(source.resolve("rel"), Path.of("../../outside/canary"));
    Path target = Files.createDirectory(temp.resolve("target"));
    Trees.copyContent(source, target);
    assertThat(Files.readSymbolicLink(target.resolve("abs"))).isEqualTo(outside);
    assertThat(Files.readSymbolicLink(target.resolve("rel"))).isEqualTo(Path.of("../../outside/canary"));
  }

  @Test
  void measure_countsEachInodeOnceAndTheRoot() throws IOException {
    Path tree = Files.createDirectory(temp.resolve("tree"));
    Files.write(tree.resolve("a"), new byte[1000]);
    Files.createLink(tree.resolve("b"), tree.resolve("a"));
    Files.createDirectory(tree.resolve("d"));
    Files.createSymbolicLink(tree.resolve("d/link"), outside);
    Usage usage = Trees.measure(tree);
    assertThat(usage.inodes()).isEqualTo(4); // tree, a (= b), d, link
    assertThat(usage.size()).isGreaterThanOrEqualTo(1000).isLessThan(BIG_CANARY_SIZE);
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

  // ------------------------------------------------------------------------------------------ helpers

  /** A directory with a few files and a subdirectory whose names match the canaries'. */
  private static void fill(Path directory) throws IOException {
    Files.createDirectories(directory.resolve("e"));
    for (int f = 0; f < 4; f++) {
      Files.writeString(directory.resolve("f" + f), "snapshot file\n");
      Files.writeString(directory.resolve("e").resolve("f" + f), "snapshot file\n");
    }
  }

  private void assertCanariesIntact(String when) throws IOException {
    assertThat(Files.readString(outside.resolve("canary"))).as(when).isEqualTo(CANARY);
    assertThat(Files.readString(outside.resolve("e").resolve("canary"))).as(when).isEqualTo(CANARY);
    assertThat(Files.readString(outside.resolve("f0"))).as(when).isEqualTo(CANARY);
    assertThat(Files.size(outside.resolve("big"))).as(when).isEqualTo(BIG_CANARY_SIZE);
    try (var entries = Files.list(outside)) {
      assertThat(entries.count()).as(when).isEqualTo(4);
    }
  }

  /** Every regular file's content in a tree, never following links. */
  private static String contentOf(Path tree) throws IOException {
    StringBuilder all = new StringBuilder();
    Files.walkFileTree(tree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          all.append(Files.readString(file));
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return all.toString();
  }

  private static long sizeOf(Path tree) throws IOException {
    long[] size = {0};
    Files.walkFileTree(tree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        size[0] += attrs.isRegularFile() ? attrs.size() : 0;
        return FileVisitResult.CONTINUE;
      }
    });
    return size[0];
  }

  /**
   * The attacker: moves {@code directory} aside, puts a symlink to {@code outside} in its place, and
   * back, as fast as it can until closed.
   */
  private final class Swapper implements AutoCloseable {
    final AtomicInteger swaps = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Swapper(Path directory, Path aside) {
      thread = new Thread(() -> {
        while (!stop.get()) {
          try {
            Files.move(directory, aside, StandardCopyOption.ATOMIC_MOVE);
            try {
              Files.createSymbolicLink(directory, outside);
              swaps.incrementAndGet();
              for (int spin = 0; spin < 200; spin++) {
                Thread.onSpinWait();
              }
              Files.delete(directory);
            } finally {
              Files.move(aside, directory, StandardCopyOption.ATOMIC_MOVE);
            }
          } catch (IOException e) {
            // the tree is being deleted under us: try again until told to stop
            Thread.yield();
          }
        }
      }, "swapper");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
      assertThat(thread.isAlive()).isFalse();
    }
  }
}
