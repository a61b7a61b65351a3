package dev.acitrace.bench;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Turns the JMH JSON files of one {@code bench/run} into the Markdown report: time and bytes per operation
 * of every variant, each relative to the floor, acitrace's added cost relative to OpenTelemetry's, and the
 * targets of issue 7 with a verdict. Variants that did not run show as "not run".
 *
 * <p>Usage: {@code ResultsTable --out report.md [--machine "description"] result.json...}
 */
public final class ResultsTable {

  static final String GC_ALLOC = "gc.alloc.rate.norm";

  private final Map<String, Result> results = new LinkedHashMap<>();
  private final Map<String, Object> firstRun;

  /** One benchmark's primary (time) and allocation results. */
  record Result(double nanos, double nanosError, double bytes) {}

  ResultsTable(List<Object> runs) {
    Map<String, Object> first = null;
    for (Object run : runs) {
      @SuppressWarnings("unchecked")
      Map<String, Object> benchmark = (Map<String, Object>) run;
      if (first == null) {
        first = benchmark;
      }
      results.put(key(benchmark), result(benchmark));
    }
    this.firstRun = first;
  }

  /** Writes the report; arguments as in the class comment. */
  public static void main(String[] args) throws IOException {
    Path out = null;
    String machine = "not described";
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(requireValue(args, ++i, "--out"));
        case "--machine" -> machine = requireValue(args, ++i, "--machine");
        default -> files.add(Path.of(args[i]));
      }
    }
    if (out == null) {
      throw new IllegalArgumentException("--out <file> is required");
    }
    List<Object> runs = new ArrayList<>();
    for (Path file : files) {
      runs.addAll(read(file));
    }
    Files.writeString(out, new ResultsTable(runs).markdown(machine), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }

  private static String requireValue(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** The benchmarks of one JMH JSON result file. */
  static List<Object> read(Path file) {
    try {
      // objects as Map<String, Object>, arrays as List<Object>, numbers as Double; JMH writes "NaN" as a string
      Object parsed = new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), Object.class);
      if (!(parsed instanceof List<?> list)) {
        throw new IllegalArgumentException(file + ": not a JMH JSON result (no top-level array)");
      }
      return new ArrayList<>(list);
    } catch (IOException e) {
      throw new UncheckedIOException(file + " unreadable", e);
    }
  }

  /** {@code SimpleClass.method} plus {@code [param=value,...]} when the benchmark has parameters. */
  @SuppressWarnings("unchecked")
  static String key(Map<String, Object> benchmark) {
    String name = (String) benchmark.get("benchmark");
    int method = name.lastIndexOf('.');
    int type = name.lastIndexOf('.', method - 1);
    StringBuilder key = new StringBuilder(name.substring(type + 1));
    Object params = benchmark.get("params");
    if (params instanceof Map<?, ?> map && !map.isEmpty()) {
      key.append('[');
      new TreeMap<>((Map<String, Object>) map)
          .forEach((k, v) -> key.append(k).append('=').append(v).append(','));
      key.setCharAt(key.length() - 1, ']');
    }
    return key.toString();
  }

  @SuppressWarnings("unchecked")
  private static Result result(Map<String, Object> benchmark) {
    Map<String, Object> primary = (Map<String, Object>) benchmark.get("primaryMetric");
    String unit = (String) primary.get("scoreUnit");
    if (!"ns/op".equals(unit)) {
      throw new IllegalArgumentException(
          benchmark.get("benchmark") + ": expected ns/op, got " + unit + " (run with -bm avgt -tu ns)");
    }
    Map<String, Object> secondary = (Map<String, Object>) benchmark.get("secondaryMetrics");
    double bytes = Double.NaN;
    if (secondary != null && secondary.get(GC_ALLOC) instanceof Map<?, ?> alloc) {
      bytes = number(alloc.get("score"));
    }
    return new Result(number(primary.get("score")), number(primary.get("scoreError")), bytes);
  }

  private static double number(Object value) {
    if (value instanceof Double d) {
      return d;
    }
    if (value instanceof String s) {
      try {
        return Double.parseDouble(s); // JMH writes "NaN" and "Infinity" as strings
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** The result of {@code key}, or null when that benchmark did not run. */
  Result get(String key) {
    return results.get(key);
  }

  /** The whole report. */
  String markdown(String machine) {
    StringBuilder md = new StringBuilder();
    md.append("# acitrace benchmark results\n\n");
    header(md, machine);
    callTable(md, "Unary call", "unary");
    callTable(md, "Server-streaming call, " + BenchRpc.STREAM_MESSAGES + " messages", "serverStreaming");
    codecTable(md);
    targets(md);
    return md.toString();
  }

  private void header(StringBuilder md, String machine) {
    md.append("- Machine: ").append(machine).append('\n');
    if (firstRun != null) {
      md.append("- JVM: ")
          .append(firstRun.get("vmName"))
          .append(' ')
          .append(firstRun.get("vmVersion"))
          .append(" (JDK ")
          .append(firstRun.get("jdkVersion"))
          .append("), JMH ")
          .append(firstRun.get("jmhVersion"))
          .append('\n');
      md.append("- Settings: ")
          .append(integer(firstRun.get("forks")))
          .append(" fork(s), ")
          .append(integer(firstRun.get("warmupIterations")))
          .append(" x ")
          .append(firstRun.get("warmupTime"))
          .append(" warmup, ")
          .append(integer(firstRun.get("measurementIterations")))
          .append(" x ")
          .append(firstRun.get("measurementTime"))
          .append(" measurement, mode ")
          .append(firstRun.get("mode"))
          .append('\n');
    }
    md.append(
        "- Time: average ns per operation, ± the 99.9% confidence half-width JMH reports. Bytes: "
            + "`gc.alloc.rate.norm` (bytes allocated per operation, JMH's GC profiler).\n"
            + "- \"added\" = variant minus the floor; \"÷ OTel\" = acitrace's added cost divided by "
            + "OpenTelemetry's (target: at most 0.5 when sampled).\n\n");
  }

  private void callTable(StringBuilder md, String title, String method) {
    md.append("## ").append(title).append("\n\n");
    md.append(
        "| variant | ns/op | x floor | added ns | added ÷ OTel | B/op | x floor | added B | added ÷ OTel |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Result floor = get("FloorBenchmark." + method);
    row(md, "floor (bare gRPC, no interceptor)", floor, floor, null);
    for (String sampled : new String[] {"true", "false"}) {
      String label = "true".equals(sampled) ? "sampled" : "unsampled";
      Result otel = get("OtelGrpcBenchmark." + method + "[sampled=" + sampled + "]");
      Result ours = get("OursGrpcBenchmark." + method + "[sampled=" + sampled + "]");
      row(md, "OpenTelemetry grpc-1.6, " + label, otel, floor, null);
      row(md, "acitrace, " + label, ours, floor, otel);
    }
    md.append('\n');
  }

  private static void row(StringBuilder md, String label, Result r, Result floor, Result otel) {
    md.append("| ").append(label).append(" | ");
    if (r == null) {
      md.append("not run | | | | | | | |\n");
      return;
    }
    boolean isFloor = r == floor;
    md.append(nanos(r)).append(" | ");
    md.append(isFloor || floor == null ? "" : ratio(r.nanos / floor.nanos)).append(" | ");
    md.append(isFloor || floor == null ? "" : signed(r.nanos - floor.nanos)).append(" | ");
    md.append(added(r.nanos, otel == null ? Double.NaN : otel.nanos, floor, Result::nanos))
        .append(" | ");
    md.append(amount(r.bytes)).append(" | ");
    md.append(isFloor || floor == null ? "" : ratio(r.bytes / floor.bytes)).append(" | ");
    md.append(isFloor || floor == null ? "" : signed(r.bytes - floor.bytes)).append(" | ");
    md.append(added(r.bytes, otel == null ? Double.NaN : otel.bytes, floor, Result::bytes))
        .append(" |\n");
  }

  private static String added(
      double ours, double otel, Result floor, ToDoubleFunction<Result> metric) {
    if (floor == null || Double.isNaN(otel)) {
      return "";
    }
    double base = metric.applyAsDouble(floor);
    return ratio((ours - base) / (otel - base));
  }

  private void codecTable(StringBuilder md) {
    md.append("## Baggage codec (one `baggage` header)\n\n");
    md.append(
        "| operation | entries | W3CBaggagePropagator ns/op | acitrace ns/op | throughput x OTel |"
            + " W3CBaggagePropagator B/op | acitrace B/op |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|\n");
    for (String op : new String[] {"decode", "encode"}) {
      for (String entries : new String[] {"3", "30"}) {
        Result otel = get("W3CBaggagePropagatorBenchmark." + op + "[entries=" + entries + "]");
        Result ours = get("OursBaggageCodecBenchmark." + op + "[entries=" + entries + "]");
        md.append("| ").append(op).append(" | ").append(entries).append(" | ");
        md.append(otel == null ? "not run" : nanos(otel)).append(" | ");
        md.append(ours == null ? "not run" : nanos(ours)).append(" | ");
        md.append(otel == null || ours == null ? "" : ratio(otel.nanos / ours.nanos)).append(" | ");
        md.append(otel == null ? "" : amount(otel.bytes)).append(" | ");
        md.append(ours == null ? "" : amount(ours.bytes)).append(" |\n");
      }
    }
    md.append('\n');
  }

  private void targets(StringBuilder md) {
    md.append("## Targets (issue 7)\n\n");
    md.append("| target | measured | verdict |\n|---|---|---|\n");
    Result floor = get("FloorBenchmark.unary");
    Result otelSampled = get("OtelGrpcBenchmark.unary[sampled=true]");
    Result oursSampled = get("OursGrpcBenchmark.unary[sampled=true]");
    Result oursUnsampled = get("OursGrpcBenchmark.unary[sampled=false]");
    sampledShareTarget(md, "time", "ns", Result::nanos, floor, otelSampled, oursSampled);
    sampledShareTarget(md, "bytes", "B", Result::bytes, floor, otelSampled, oursSampled);

    boolean unsampledRan = floor != null && oursUnsampled != null;
    double unsampledShare =
        unsampledRan ? (oursUnsampled.nanos - floor.nanos) / floor.nanos : Double.NaN;
    target(
        md,
        "unsampled unary: added time <= 10% of the floor",
        unsampledRan
            ? signed(oursUnsampled.nanos - floor.nanos)
                + " ns on "
                + amount(floor.nanos)
                + " ns = "
                + String.format(Locale.ROOT, "%.1f%%", unsampledShare * 100)
            : null,
        unsampledShare <= 0.10);

    for (String op : new String[] {"decode", "encode"}) {
      for (String entries : new String[] {"3", "30"}) {
        Result otel = get("W3CBaggagePropagatorBenchmark." + op + "[entries=" + entries + "]");
        Result ours = get("OursBaggageCodecBenchmark." + op + "[entries=" + entries + "]");
        double speedup = otel == null || ours == null ? Double.NaN : otel.nanos / ours.nanos;
        target(
            md,
            "baggage " + op + ", " + entries + " entries: >= 2x W3CBaggagePropagator's throughput",
            Double.isNaN(speedup) ? null : ratio(speedup),
            speedup >= 2.0);
      }
    }
    md.append('\n');
  }

  // "sampled unary: added <what> <= 0.5 x OpenTelemetry's", on one metric of the three results
  private static void sampledShareTarget(StringBuilder md, String what, String unit,
      ToDoubleFunction<Result> metric, Result floor, Result otel, Result ours) {
    boolean ran = floor != null && otel != null && ours != null;
    double base = ran ? metric.applyAsDouble(floor) : Double.NaN;
    double oursAdded = ran ? metric.applyAsDouble(ours) - base : Double.NaN;
    double otelAdded = ran ? metric.applyAsDouble(otel) - base : Double.NaN;
    double share = oursAdded / otelAdded;
    target(
        md,
        "sampled unary: added " + what + " <= 0.5 x OpenTelemetry's",
        ran
            ? signed(oursAdded) + " " + unit + " vs " + signed(otelAdded) + " " + unit + " = " + ratio(share)
            : null,
        share <= 0.5);
  }

  private static void target(StringBuilder md, String target, String measured, boolean met) {
    md.append("| ").append(target).append(" | ");
    if (measured == null) {
      md.append("not run | pending |\n");
    } else {
      md.append(measured).append(" | ").append(met ? "met" : "**missed**").append(" |\n");
    }
  }

  private static String nanos(Result r) {
    if (Double.isNaN(r.nanosError)) {
      return amount(r.nanos);
    }
    return amount(r.nanos) + " ± " + amount(r.nanosError);
  }

  private static String amount(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, Math.abs(value) >= 100 ? "%,.0f" : "%,.1f", value);
  }

  private static String signed(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return (value >= 0 ? "+" : "") + amount(value);
  }

  private static String ratio(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String integer(Object value) {
    return value instanceof Double d ? Long.toString(Math.round(d)) : String.valueOf(value);
  }
}
