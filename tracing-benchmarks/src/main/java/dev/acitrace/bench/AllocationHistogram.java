package dev.acitrace.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * What one unary call allocates, class by class: runs a mode's calls in-process, takes a heap class
 * histogram of every object (reachable or not) before and after a batch of calls, and prints the difference
 * per call. Run it on a JVM that never collects ({@code -XX:+UseEpsilonGC}), so that nothing allocated during
 * the batch is gone before the second histogram; the warm-up first lets the JIT settle (its escape analysis
 * removes some allocations). Counts are exact but include every thread of the JVM (the SDK's span processor,
 * the JIT's own allocations), so runs differ by up to ~150 B/call; compare several.
 *
 * <pre>{@code
 * java -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms4g -Xmx4g \
 *     -cp "$jar:$(cat tracing-benchmarks/target/bench-classpath/ours.txt)" \
 *     dev.acitrace.bench.AllocationHistogram ours-unsampled [warm-up calls] [measured calls]
 * }</pre>
 *
 * <p>Modes: {@code floor}, {@code propagate-only} (floor classpath), {@code otel-sampled},
 * {@code otel-unsampled} (otel classpath), {@code ours-sampled}, {@code ours-unsampled},
 * {@code ours-w3c-sampled}, {@code ours-metrics-sampled}, {@code ours-metrics-unsampled},
 * {@code sdk-floor-sampled}, {@code sdk-floor-unsampled}, {@code sdk-floor-w3c-sampled},
 * {@code sdk-floor-w3c-attrs-sampled},
 * {@code sdk-floor-attrs-sampled} (ours classpath).
 * Not part of any suite (docs/benchmarks.md, "Where the bytes go").
 */
public final class AllocationHistogram {

  private AllocationHistogram() {}

  /**
   * Prints bytes and objects per call by class, largest first, and the total.
   *
   * @param args mode, then optionally the warm-up and measured call counts (default 100000 and 20000)
   * @throws JMException if the JVM's diagnostic command bean cannot take a histogram
   */
  public static void main(String[] args) throws JMException {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: AllocationHistogram MODE [WARMUP] [CALLS]");
    }
    String mode = args[0];
    int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    try (InProcessHarness harness =
        new InProcessHarness(variant(mode), mode.endsWith("-sampled"), mode.contains("-metrics-"))) {
      for (int i = 0; i < warmUp; i++) {
        harness.unary();
      }
      Map<String, long[]> before = histogram();
      for (int i = 0; i < calls; i++) {
        harness.unary();
      }
      Map<String, long[]> after = histogram();
      List<String[]> rows = new ArrayList<>();
      long total = 0;
      for (Map.Entry<String, long[]> entry : after.entrySet()) {
        long[] was = before.getOrDefault(entry.getKey(), new long[2]);
        long bytes = entry.getValue()[1] - was[1];
        total += Math.max(bytes, 0);
        if (bytes >= calls / 2) {
          rows.add(new String[] {
            String.format(Locale.ROOT, "%8.1f", (double) bytes / calls),
            String.format(Locale.ROOT, "%6.2f", (double) (entry.getValue()[0] - was[0]) / calls),
            entry.getKey()});
        }
      }
      rows.sort((a, b) -> Double.compare(Double.parseDouble(b[0]), Double.parseDouble(a[0])));
      System.out.println("  B/call  obj/call  class");
      for (String[] row : rows) {
        System.out.println(row[0] + "  " + row[1] + "  " + row[2]);
      }
      System.out.printf(Locale.ROOT, "TOTAL %.1f B/call (%s, %d calls)%n", (double) total / calls, mode, calls);
    }
  }

  private static GrpcTracingVariant variant(String mode) {
    switch (mode) {
      case "floor":
        return GrpcTracingVariant.NONE;
      case "propagate-only":
        return new PropagateOnlyTracing();
      case "otel-sampled":
      case "otel-unsampled":
        return new OtelGrpcTracing();
      case "ours-w3c-sampled":
        return OursGrpcTracing.withStandardPropagators();
      case "sdk-floor-sampled":
      case "sdk-floor-unsampled":
        return SdkFloorTracing.withAcitracePropagators();
      case "sdk-floor-attrs-sampled":
        return SdkFloorTracing.withConventionAttributes();
      case "sdk-floor-w3c-sampled":
        return SdkFloorTracing.withStandardPropagators();
      case "sdk-floor-w3c-attrs-sampled":
        return SdkFloorTracing.withStandardPropagatorsAndConventionAttributes();
      case "ours-sampled":
      case "ours-unsampled":
      case "ours-metrics-sampled":
      case "ours-metrics-unsampled":
        return new OursGrpcTracing();
      default:
        throw new IllegalArgumentException("mode: unknown '" + mode + "'");
    }
  }

  /** Instances and bytes per class of every object on the heap, reachable or not. */
  private static Map<String, long[]> histogram() throws JMException {
    String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 4 && fields[0].endsWith(":")) {
        // lambda classes get a new name per JVM; one row for all of a class's lambdas
        String name = fields[3].replaceAll("\\$\\$Lambda\\$.*", "\\$\\$Lambda");
        long[] counts = classes.computeIfAbsent(name, k -> new long[2]);
        counts[0] += Long.parseLong(fields[1]);
        counts[1] += Long.parseLong(fields[2]);
      }
    }
    return classes;
  }
}
