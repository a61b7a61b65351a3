package dev.acitrace.bundle.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.ExponentialHistogramPointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * {@code OTEL_METRICS_EXPORTER=console}: prints the metrics as a compact table, one block per instrument
 * (with the attributes all its rows share) and one line per attribute set (histograms: count, average, max), at every export interval
 * ({@code OTEL_METRIC_EXPORT_INTERVAL}) and at shutdown. Cumulative: each table shows the totals since the
 * start. Caller-influenced text (attribute values) is printed with control characters escaped and cut at
 * {@value #MAX_VALUE} characters.
 */
public final class ConsoleMetricExporter extends SdkLifecycle implements MetricExporter {

  static final int MAX_VALUE = 60;
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final PrintStream out;

  /** Prints to {@code out}. */
  public ConsoleMetricExporter(PrintStream out) {
    this.out = requireNonNull(out, "out");
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    String table = render(metrics, Instant.now());
    if (!table.isEmpty()) {
      synchronized (out) {
        out.print(table);
        out.flush();
      }
    }
    return CompletableResultCode.ofSuccess();
  }

  /** The table for {@code metrics}; empty when there is nothing to show. */
  static String render(Collection<MetricData> metrics, Instant now) {
    List<MetricData> shown = new ArrayList<>();
    for (MetricData metric : metrics) {
      // the SDK's own telemetry (exporter and reader self-metrics) is not what a reader of this table wants
      if (!metric.getData().getPoints().isEmpty()
          && !metric.getInstrumentationScopeInfo().getName().startsWith("io.opentelemetry.")) {
        shown.add(metric);
      }
    }
    if (shown.isEmpty()) {
      return "";
    }
    shown.sort(Comparator.comparing(MetricData::getName));
    String service = shown.get(0).getResource().getAttribute(SERVICE_NAME);
    int series = shown.stream().mapToInt(m -> m.getData().getPoints().size()).sum();
    StringBuilder text = new StringBuilder();
    text.append("metrics").append(service == null ? "" : " (service " + safe(service) + ")")
        .append(" at ").append(now.truncatedTo(ChronoUnit.SECONDS)).append(", ").append(series)
        .append(" series").append('\n');
    for (MetricData metric : shown) {
      // attributes every row shares are printed once, on the instrument's line
      TreeMap<String, String> common = null;
      for (PointData point : metric.getData().getPoints()) {
        TreeMap<String, String> own = sorted(point.getAttributes());
        if (common == null) {
          common = own;
        } else {
          common.entrySet().removeIf(e -> !e.getValue().equals(own.get(e.getKey())));
        }
      }
      int lineStart = text.length();
      text.append("  ").append(safe(metric.getName())).append(" (")
          .append(metric.getUnit().isEmpty() ? "1" : safe(metric.getUnit())).append(", ")
          .append(kind(metric)).append(')');
      if (!common.isEmpty()) {
        String shared = format(common);
        // within 120 columns, like the span lines: shared attributes that do not fit go on a line of their own
        boolean fits = text.length() - lineStart + 1 + shared.codePointCount(0, shared.length()) <= 120;
        text.append(fits ? " " : "\n      ").append(shared);
      }
      text.append('\n');
      boolean distribution = false;
      TreeMap<String, String> rows = new TreeMap<>();
      for (PointData point : metric.getData().getPoints()) {
        String values;
        if (point instanceof HistogramPointData histogram) {
          distribution = true;
          values = row(histogram.getCount(), histogram.getSum(), histogram.hasMax() ? histogram.getMax() : Double.NaN);
        } else if (point instanceof ExponentialHistogramPointData histogram) {
          distribution = true;
          values = row(histogram.getCount(), histogram.getSum(), histogram.hasMax() ? histogram.getMax() : Double.NaN);
        } else if (point instanceof LongPointData value) {
          values = String.format(Locale.ROOT, "%12d", value.getValue());
        } else if (point instanceof DoublePointData value) {
          values = String.format(Locale.ROOT, "%12s", number(value.getValue()));
        } else {
          values = String.format(Locale.ROOT, "%12s", "?");
        }
        TreeMap<String, String> own = sorted(point.getAttributes());
        own.keySet().removeAll(common.keySet());
        rows.merge(format(own), values, (a, b) -> a);
      }
      text.append(distribution ? DISTRIBUTION_HEADER : VALUE_HEADER);
      rows.forEach((attributes, values) -> text.append("  ").append(values).append("  ").append(attributes).append('\n'));
    }
    return text.toString();
  }

  /** The column header above histogram rows. */
  public static final String DISTRIBUTION_HEADER =
      String.format(Locale.ROOT, "  %12s %12s %12s  attributes\n", "count", "avg", "max");
  /** The column header above sum and gauge rows. */
  public static final String VALUE_HEADER = String.format(Locale.ROOT, "  %12s  attributes\n", "value");

  private static String kind(MetricData metric) {
    switch (metric.getType()) {
      case LONG_SUM:
      case DOUBLE_SUM:
        return "sum";
      case LONG_GAUGE:
      case DOUBLE_GAUGE:
        return "gauge";
      case HISTOGRAM:
      case EXPONENTIAL_HISTOGRAM:
        return "histogram";
      default:
        return metric.getType().name().toLowerCase(Locale.ROOT);
    }
  }

  private static String row(long count, double sum, double max) {
    return String.format(Locale.ROOT, "%12d %12s %12s", count, count == 0 ? "-" : number(sum / count),
        Double.isNaN(max) ? "-" : number(max));
  }

  private static String number(double value) {
    double abs = Math.abs(value);
    if (abs != 0 && (abs < 0.001 || abs >= 1e9)) {
      return String.format(Locale.ROOT, "%.3g", value);
    }
    return String.format(Locale.ROOT, abs < 1 ? "%.4f" : "%.2f", value);
  }

  private static TreeMap<String, String> sorted(Attributes attributes) {
    TreeMap<String, String> sorted = new TreeMap<>();
    attributes.forEach((key, value) -> sorted.put(key.getKey(), String.valueOf(value)));
    return sorted;
  }

  private static String format(TreeMap<String, String> attributes) {
    StringBuilder text = new StringBuilder();
    attributes.forEach((key, value) -> text.append(text.length() == 0 ? "" : " ").append(safe(key)).append('=')
        .append(safe(value)));
    return text.toString();
  }

  /** Control characters (C0, DEL, C1) escaped as {@code \\uXXXX}; cut at {@value #MAX_VALUE} characters. */
  static String safe(String value) {
    StringBuilder text = new StringBuilder(Math.min(value.length(), MAX_VALUE) + 8);
    for (int i = 0; i < value.length(); i++) {
      if (text.length() >= MAX_VALUE) {
        return text.append("...").toString();
      }
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c) || c == '\u202e' || c == '\u202d') {
        text.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        text.append(c);
      }
    }
    return text.toString();
  }
}
