package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.storage.SqliteMetadataStore;
import dev.acitrace.snapshotter.storage.StoredSnapshot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A measured bench program (not a unit test): Prepare + Commit + Remove latency of the directory
 * snapshotter with 10 and with 10,000 snapshots already in its root, measured in interleaved rounds (the
 * order of the two roots shuffled every round) so that a machine whose speed drifts affects both alike;
 * plus the time of one Walk over 10,000 snapshots. Prints per-round p50s, their medians and the
 * median of the per-round ratios.
 *
 * <pre>
 * ./mvnw -B -o -q package -pl tracing-snapshotter -am -DskipTests   # builds classes, test-classes, target/lib
 * java -cp 'tracing-snapshotter/target/test-classes:tracing-snapshotter/target/classes:tracing-snapshotter/target/lib/*' \
 *     dev.acitrace.snapshotter.fs.MetadataLatencyBench [rounds] [ops-per-round]
 * </pre>
 * It runs on the class path on purpose: that is how class-path users load sqlite-jdbc.
 */
public final class MetadataLatencyBench {

  private MetadataLatencyBench() {}

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    int ops = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    PrintStream out = System.out;
    Path temp = Files.createTempDirectory("acitrace-metadata-bench");
    try (DirectorySnapshotter small = populated(temp.resolve("small"), 10);
        DirectorySnapshotter large = populated(temp.resolve("large"), 10_000)) {
      // warm up both (JIT, SQLite page cache) before anything counts
      measure(small, ops, "warm");
      measure(large, ops, "warm");
      Random random = new Random(42);
      double[] smallP50 = new double[rounds];
      double[] largeP50 = new double[rounds];
      double[] ratios = new double[rounds];
      double[] walkMs = new double[rounds];
      out.printf("round  order          p50(10) ms  p50(10000) ms  ratio  walk(10000) ms%n");
      for (int r = 0; r < rounds; r++) {
        boolean smallFirst = random.nextBoolean();
        double[] s;
        double[] l;
        if (smallFirst) {
          s = measure(small, ops, "r" + r);
          l = measure(large, ops, "r" + r);
        } else {
          l = measure(large, ops, "r" + r);
          s = measure(small, ops, "r" + r);
        }
        smallP50[r] = median(s);
        largeP50[r] = median(l);
        ratios[r] = largeP50[r] / smallP50[r];
        long start = System.nanoTime();
        long[] count = {0};
        large.walk(info -> count[0]++, List.of());
        walkMs[r] = (System.nanoTime() - start) / 1e6;
        if (count[0] != 10_000) {
          throw new AssertionError("walk saw " + count[0]);
        }
        out.printf("%5d  %-13s  %10.3f  %13.3f  %5.2f  %14.1f%n", r, smallFirst ? "10 first" : "10000 first",
            smallP50[r], largeP50[r], ratios[r], walkMs[r]);
      }
      out.printf("median over %d rounds of %d Prepare+Commit+Remove each: p50(10) %.3f ms, p50(10000) %.3f ms,"
          + " ratio %.2f (median of per-round ratios); walk of 10000: %.1f ms%n",
          rounds, ops, median(smallP50), median(largeP50), median(ratios), median(walkMs));
    } finally {
      Trees.deleteRecursively(temp);
    }
  }

  /** A root holding {@code count} committed snapshots, loaded in one transaction. */
  private static DirectorySnapshotter populated(Path root, int count) throws IOException {
    Files.createDirectories(root);
    List<StoredSnapshot> snapshots = new ArrayList<>(count);
    Instant now = Instant.now();
    for (int i = 1; i <= count; i++) {
      snapshots.add(new StoredSnapshot(i, new SnapshotInfo(String.format("default/%d/sha256:%064x", i, i), "",
          Kind.COMMITTED, now, now, Map.of("containerd.io/snapshot.ref", "sha256:" + i,
              "containerd.io/gc.root", now.toString())), new Usage(4096, 1)));
    }
    try (SqliteMetadataStore store = SqliteMetadataStore.open(root.resolve(DirectorySnapshotter.DATABASE))) {
      store.load(snapshots, count + 1);
    }
    return DirectorySnapshotter.open(root);
  }

  /** Milliseconds of each Prepare + Commit + Remove. */
  private static double[] measure(DirectorySnapshotter snapshotter, int ops, String tag) {
    double[] millis = new double[ops];
    for (int i = 0; i < ops; i++) {
      String key = "bench/" + tag + "/" + i;
      long start = System.nanoTime();
      snapshotter.prepare(key + "/active", "", Map.of("containerd.io/snapshot.ref", key));
      snapshotter.commit(key, key + "/active", Map.of("containerd.io/snapshot.ref", key));
      snapshotter.remove(key);
      millis[i] = (System.nanoTime() - start) / 1e6;
    }
    return millis;
  }

  private static double median(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    int n = copy.length;
    return n % 2 == 1 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
  }
}
