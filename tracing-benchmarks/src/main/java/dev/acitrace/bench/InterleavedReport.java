package dev.acitrace.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The report of {@code bench/run --interleaved}: every unary mode ran as one short JMH fork per round, in a
 * shuffled order, so that the machine's drift over minutes hits all modes of a round alike. Every added
 * cost is taken against the same round's floor, every ratio within one round, and the report gives the
 * median over the rounds (time and bytes per call), with the per-round values next to it.
 *
 * <p>Usage: {@code InterleavedReport --out report.md [--machine "description"] DIR}, where DIR holds
 * {@code round-<n>-<mode>.json} files.
 */
public final class InterleavedReport {

  private static final Pattern FILE = Pattern.compile("round-(\\d+)-([a-z0-9-]+)\\.json");

  /** A ratio the report judges: added cost of {@code mode} over added cost of {@code reference}. */
  record Target(String what, String mode, String reference, double limit) {}

  static final List<Target> TARGETS =
      List.of(
          new Target("sampled: acitrace vs OpenTelemetry's instrumentation", "ours-sampled", "otel-sampled", 0.30),
          new Target(
              "unsampled: acitrace vs propagation alone (OTel W3C propagators, no spans)",
              "ours-unsampled",
              "propagate-only",
              0.50),
          new Target(
              "sampled, OTel's standard W3C propagators: acitrace vs OpenTelemetry's instrumentation",
              "ours-w3c-sampled",
              "otel-sampled",
              0.45),
          new Target(
              "unsampled: acitrace vs OpenTelemetry's instrumentation (reported, no target)",
              "ours-unsampled",
              "otel-unsampled",
              Double.NaN),
          new Target(
              "metrics on, sampled: acitrace vs OpenTelemetry's instrumentation, both with metrics",
              "ours-metrics-sampled",
              "otel-metrics-sampled",
              0.50),
          new Target(
              "metrics on, unsampled: acitrace vs OpenTelemetry's instrumentation (reported)",
              "ours-metrics-unsampled",
              "otel-metrics-unsampled",
              Double.NaN),
          new Target(
              "attempt spans on vs off, sampled (reported: the cost of the option)",
              "ours-attempts-sampled",
              "ours-sampled",
              Double.NaN),
          new Target(
              "SDK floor, sampled: two bare SDK spans and acitrace's propagators vs OpenTelemetry's"
                  + " instrumentation (reported)",
              "sdk-floor-sampled",
              "otel-sampled",
              Double.NaN),
          new Target(
              "SDK floor, unsampled: two unsampled SDK spans and acitrace's propagators vs propagation alone"
                  + " (reported)",
              "sdk-floor-unsampled",
              "propagate-only",
              Double.NaN),
          new Target(
              "SDK floor with the conventions' span attributes vs OpenTelemetry's instrumentation (reported)",
              "sdk-floor-attrs-sampled",
              "otel-sampled",
              Double.NaN),
          new Target(
              "SDK floor with OTel's W3C propagators vs OpenTelemetry's instrumentation (reported)",
              "sdk-floor-w3c-sampled",
              "otel-sampled",
              Double.NaN),
          new Target(
              "SDK floor with OTel's W3C propagators and the conventions' span attributes vs OpenTelemetry's"
                  + " instrumentation (reported: the floor under the W3C target)",
              "sdk-floor-w3c-attrs-sampled",
              "otel-sampled",
              Double.NaN),
          new Target(
              "acitrace over the SDK floor, sampled (reported: what the instrumentation's own work adds)",
              "ours-sampled",
              "sdk-floor-sampled",
              Double.NaN),
          new Target(
              "acitrace over the SDK floor, unsampled (reported)",
              "ours-unsampled",
              "sdk-floor-unsampled",
              Double.NaN));

  /** One mode's measurement in one round. */
  record Point(double nanos, double bytes) {}

  /** round -> mode -> point */
  private final Map<Integer, Map<String, Point>> rounds;

  InterleavedReport(Map<Integer, Map<String, Point>> rounds) {
    this.rounds = rounds;
  }

  /** Writes the report; arguments as in the class comment. */
  public static void main(String[] args) throws IOException {
    Path out = null;
    String machine = "not described";
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--machine" -> machine = args[++i];
        default -> dir = Path.of(args[i]);
      }
    }
    if (out == null || dir == null) {
      throw new IllegalArgumentException("usage: InterleavedReport --out report.md [--machine text] DIR");
    }
    InterleavedReport report = read(dir);
    Files.writeString(out, report.markdown(machine), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
    System.out.print(report.summary());
  }

  static InterleavedReport read(Path dir) throws IOException {
    Map<Integer, Map<String, Point>> rounds = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        List<Object> runs = ResultsTable.read(file);
        if (runs.size() != 1) {
          throw new IllegalArgumentException(file + ": expected one benchmark, got " + runs.size());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> run = (Map<String, Object>) runs.get(0);
        ResultsTable.Result r = new ResultsTable(List.of(run)).get(ResultsTable.key(run));
        rounds
            .computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TreeMap<>())
            .put(m.group(2), new Point(r.nanos(), r.bytes()));
      }
    }
    return new InterleavedReport(rounds);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Per-round ratios of added time (index 0) and added bytes (index 1); rounds missing a mode skipped. */
  double[][] ratios(String mode, String reference) {
    List<double[]> list = new ArrayList<>();
    for (Map<String, Point> round : rounds.values()) {
      Point floor = round.get("floor");
      Point m = round.get(mode);
      Point ref = round.get(reference);
      if (floor == null || m == null || ref == null) {
        continue;
      }
      list.add(
          new double[] {
            (m.nanos() - floor.nanos()) / (ref.nanos() - floor.nanos()),
            (m.bytes() - floor.bytes()) / (ref.bytes() - floor.bytes())
          });
    }
    double[][] out = new double[2][list.size()];
    for (int i = 0; i < list.size(); i++) {
      out[0][i] = list.get(i)[0];
      out[1][i] = list.get(i)[1];
    }
    return out;
  }

  private List<String> modes() {
    List<String> modes = new ArrayList<>();
    for (Map<String, Point> round : rounds.values()) {
      for (String mode : round.keySet()) {
        if (!modes.contains(mode)) {
          modes.add(mode);
        }
      }
    }
    modes.remove("floor");
    modes.add(0, "floor");
    return modes;
  }

  String markdown(String machine) {
    StringBuilder md = new StringBuilder();
    md.append("# Interleaved unary-call rounds\n\n");
    md.append("- Machine: ").append(machine).append('\n');
    md.append("- Rounds: ").append(rounds.size()).append(
        " (each round: one short JMH fork per mode, order shuffled; every added cost against the same"
            + " round's floor; medians over rounds)\n\n");
    md.append("| mode | median ns/call | median B/call | median added ns | median added B |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    for (String mode : modes()) {
      double[] ns = column(mode, false, false);
      double[] bytes = column(mode, true, false);
      double[] addedNs = column(mode, false, true);
      double[] addedB = column(mode, true, true);
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %s | %s |%n", mode, median(ns), median(bytes),
          mode.equals("floor") ? "-" : String.format(Locale.ROOT, "%+.0f", median(addedNs)),
          mode.equals("floor") ? "-" : String.format(Locale.ROOT, "%+.0f", median(addedB))));
    }
    md.append("\n## Ratios of added cost (median over rounds)\n\n");
    md.append("| what | time ratio | bytes ratio | target | verdict | per-round time ratios |\n");
    md.append("|---|---:|---:|---:|---|---|\n");
    for (Target t : TARGETS) {
      double[][] r = ratios(t.mode(), t.reference());
      if (r[0].length == 0) {
        continue;
      }
      double time = median(r[0]);
      double bytes = median(r[1]);
      String verdict;
      if (Double.isNaN(t.limit())) {
        verdict = "reported";
      } else {
        verdict = time <= t.limit() && bytes <= t.limit() ? "met" : "MISSED";
      }
      StringBuilder per = new StringBuilder();
      for (double v : r[0]) {
        per.append(String.format(Locale.ROOT, "%.2f ", v));
      }
      md.append(String.format(Locale.ROOT, "| %s (`%s` / `%s`) | %.2f | %.2f | %s | %s | %s |%n",
          t.what(), t.mode(), t.reference(), time, bytes,
          Double.isNaN(t.limit()) ? "-" : String.format(Locale.ROOT, "<= %.2f", t.limit()),
          verdict, per.toString().trim()));
    }
    return md.toString();
  }

  private double[] column(String mode, boolean bytes, boolean added) {
    List<Double> values = new ArrayList<>();
    for (Map<String, Point> round : rounds.values()) {
      Point p = round.get(mode);
      Point floor = round.get("floor");
      if (p == null || (added && floor == null)) {
        continue;
      }
      double v = bytes ? p.bytes() : p.nanos();
      if (added) {
        v -= bytes ? floor.bytes() : floor.nanos();
      }
      values.add(v);
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  String summary() {
    StringBuilder s = new StringBuilder();
    for (Target t : TARGETS) {
      double[][] r = ratios(t.mode(), t.reference());
      if (r[0].length > 0) {
        s.append(String.format(Locale.ROOT, "%s / %s: time %.2f, bytes %.2f (%d rounds)%n",
            t.mode(), t.reference(), median(r[0]), median(r[1]), r[0].length));
      }
    }
    return s.toString();
  }
}
