package dev.acitrace.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The reliability suite: a program with a fixed seed and bounded time, run by {@code reliability/run} (and
 * CI). It drives acitrace's public API only (GrpcServerTracing, GrpcClientTracing, Tracing.init) over real
 * Netty TCP on 127.0.0.1, checks each property, writes the figures to a Markdown file and exits 1 when a
 * property failed (2 on bad usage).
 *
 * <pre>
 * java -cp ... dev.acitrace.reliability.ReliabilitySuite [--seed N] [--scale F] [--parts fuzz,lifecycle,outage]
 *     [--out reliability/results.md]
 * </pre>
 *
 * {@code --scale} multiplies the call counts (1 = the committed figures: 100,000 fuzz calls through
 * grpc-java and 20,000 through a bare HTTP/2 client, 50,000 lifecycle calls, 3 x 12,000 outage calls).
 */
public final class ReliabilitySuite {
  private ReliabilitySuite() {}

  public static void main(String[] args) throws Exception {
    long seed = 20261203L;
    double scale = 1.0;
    Path out = Path.of("reliability", "results.md");
    Set<String> parts = new LinkedHashSet<>(List.of("fuzz", "lifecycle", "outage"));
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--seed" -> seed = Long.parseLong(required(args[i], value));
        case "--scale" -> scale = Double.parseDouble(required(args[i], value));
        case "--out" -> out = Path.of(required(args[i], value));
        case "--parts" -> parts = new LinkedHashSet<>(List.of(required(args[i], value).split(",")));
        default -> usage("unknown argument " + args[i]);
      }
      i++;
    }
    for (String part : parts) {
      if (!Set.of("fuzz", "lifecycle", "outage").contains(part)) {
        usage("unknown part " + part);
      }
    }

    long started = System.nanoTime();
    List<Report> reports = new ArrayList<>();
    if (parts.contains("fuzz")) {
      reports.add(new HeaderFuzz(scaled(100_000, scale), scaled(20_000, scale), seed).run());
    }
    if (parts.contains("lifecycle")) {
      reports.add(new Lifecycle(scaled(50_000, scale), 1_000, seed).run());
    }
    if (parts.contains("outage")) {
      reports.add(new CollectorOutage(scaled(12_000, scale), seed).run());
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    write(out, reports, seed, scale, seconds);
    long failed = reports.stream().mapToLong(Report::failed).sum();
    long checks = reports.stream().mapToLong(r -> r.checks.size()).sum();
    System.out.printf("reliability: %d properties, %d failed, in %d s; figures in %s%n", checks, failed, seconds, out);
    // the plain closing line CI reads
    System.out.printf("reliability: %d passed, %d failed%n", checks - failed, failed);
    System.exit(failed == 0 ? 0 : 1);
  }

  private static int scaled(int count, double scale) {
    return Math.max(1, (int) Math.round(count * scale));
  }

  private static String required(String option, String value) {
    if (value == null) {
      usage(option + " needs a value");
    }
    return value;
  }

  private static void usage(String message) {
    System.err.println("reliability: " + message);
    System.err.println("usage: ReliabilitySuite [--seed N] [--scale F] [--parts fuzz,lifecycle,outage] [--out FILE]");
    System.exit(2);
  }

  private static void write(Path out, List<Report> reports, long seed, double scale, long seconds)
      throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Reliability suite: results\n\n");
    md.append("Written by `reliability/run` (`dev.acitrace.reliability.ReliabilitySuite`); see\n")
        .append("docs/interop-and-reliability.md for what each part does.\n\n");
    md.append("| run | |\n|---|---|\n");
    md.append("| date (UTC) | ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" |\n");
    md.append("| seed | ").append(seed).append(" |\n");
    md.append("| scale | ").append(scale).append(" |\n");
    md.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.version")).append(", max heap ")
        .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB |\n");
    md.append("| cores | ").append(Runtime.getRuntime().availableProcessors()).append(" (system load average at the end: ")
        .append(String.format("%.1f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .append(") |\n");
    md.append("| total time | ").append(seconds).append(" s |\n\n");
    for (Report report : reports) {
      md.append("## ").append(report.title).append(report.held() ? "" : " (FAILED)").append("\n\n");
      md.append("| property | result | seen |\n|---|---|---|\n");
      for (Report.Check check : report.checks) {
        md.append("| ").append(cell(check.property())).append(" | ").append(check.held() ? "pass" : "**FAIL**")
            .append(" | ").append(cell(check.seen())).append(" |\n");
      }
      md.append("\n| figure | value |\n|---|---|\n");
      for (String[] figure : report.figures) {
        md.append("| ").append(cell(figure[0])).append(" | ").append(cell(figure[1])).append(" |\n");
      }
      md.append('\n');
      for (String note : report.notes) {
        md.append(note).append("\n\n");
      }
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(out, md.toString(), UTF_8);
  }

  private static String cell(String text) {
    String escaped = text.replace("|", "\\|").replace("\n", " ");
    return escaped.length() > 400 ? escaped.substring(0, 400) + "..." : escaped;
  }
}
