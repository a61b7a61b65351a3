package dev.acitrace.bench;

import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Accepts every export and drops it, so a metrics-on benchmark measures recording (aggregation on the call
 * path), not an exporter. Keeps the names it saw, so a test can prove the variant recorded RPC metrics.
 */
final class DroppingMetricExporter extends DroppingExporter<MetricData> implements MetricExporter {

  private final Set<String> names = new TreeSet<>();

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  @Override
  synchronized void noted(Collection<MetricData> metrics) {
    metrics.forEach(metric -> names.add(metric.getName()));
  }

  /** The names of the metrics exported so far. */
  synchronized Set<String> names() {
    return new TreeSet<>(names);
  }
}
