package dev.acitrace.snapshotter.launcher;

import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Prints spans: each one as it ends ({@code serve}), or all of them as trace trees on shutdown
 * ({@code demo}). Part of the interim wiring: the bundle's console exporter replaces it.
 */
final class SpanPrinter implements SpanExporter {

  private final PrintStream out;
  private final boolean tree;
  private final List<SpanData> finished = new ArrayList<>();

  SpanPrinter(PrintStream out, boolean tree) {
    this.out = out;
    this.tree = tree;
  }

  @Override
  public synchronized CompletableResultCode export(Collection<SpanData> spans) {
    if (tree) {
      finished.addAll(spans);
    } else {
      for (SpanData span : spans) {
        out.println(span.getTraceId() + " " + line(span));
      }
      out.flush();
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    if (tree) {
      printTrees();
      finished.clear();
    }
    return CompletableResultCode.ofSuccess();
  }

  private void printTrees() {
    Map<String, List<SpanData>> byTrace = new LinkedHashMap<>();
    finished.stream()
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
        .forEach(s -> byTrace.computeIfAbsent(s.getTraceId(), k -> new ArrayList<>()).add(s));
    for (Map.Entry<String, List<SpanData>> trace : byTrace.entrySet()) {
      List<SpanData> spans = trace.getValue();
      out.println("trace " + trace.getKey() + " (" + spans.size() + " spans)");
      Set<String> ids = spans.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
      Map<String, List<SpanData>> children = new HashMap<>();
      List<SpanData> roots = new ArrayList<>();
      for (SpanData span : spans) {
        if (ids.contains(span.getParentSpanId())) {
          children.computeIfAbsent(span.getParentSpanId(), k -> new ArrayList<>()).add(span);
        } else {
          roots.add(span);
        }
      }
      for (SpanData root : roots) {
        print(root, children, "  ");
      }
    }
    out.flush();
  }

  private void print(SpanData span, Map<String, List<SpanData>> children, String indent) {
    out.println(indent + line(span));
    for (SpanData child : children.getOrDefault(span.getSpanId(), List.of())) {
      print(child, children, indent + "  ");
    }
  }

  private static String line(SpanData span) {
    StringBuilder line = new StringBuilder()
        .append(span.getName())
        .append(" [").append(span.getKind()).append(", ")
        .append(String.format("%.2f ms", (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6))
        .append(']');
    if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
      line.append(" ERROR ").append(span.getStatus().getDescription());
    }
    if (!span.getAttributes().isEmpty()) {
      line.append(' ').append(span.getAttributes().asMap().entrySet().stream()
          .map(e -> e.getKey().getKey() + "=" + e.getValue())
          .sorted()
          .collect(Collectors.joining(", ", "{", "}")));
    }
    return line.toString();
  }
}
