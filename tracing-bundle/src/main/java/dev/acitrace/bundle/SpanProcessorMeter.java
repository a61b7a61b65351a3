package dev.acitrace.bundle;

import io.opentelemetry.api.common.AttributeKey;
import dev.acitrace.bundle.internal.SdkLifecycle;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;

/**
 * A private meter provider for the batch span processor's own telemetry, read on demand: the processor
 * counts spans it drops ({@code otel.sdk.processor.span.processed} with an {@code error.type}) and
 * reports its queue size, and this is the public way to reach those numbers. Being private, it never
 * mixes with the application's metrics or exports anything.
 */
final class SpanProcessorMeter extends SdkLifecycle implements MetricReader {

  private static final String PROCESSED = "otel.sdk.processor.span.processed";
  private static final String QUEUE_SIZE = "otel.sdk.processor.span.queue.size";
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final SdkMeterProvider meterProvider;
  private volatile CollectionRegistration registration = CollectionRegistration.noop();

  SpanProcessorMeter() {
    this.meterProvider = SdkMeterProvider.builder().registerMetricReader(this).build();
  }

  SdkMeterProvider meterProvider() {
    return meterProvider;
  }

  /** Spans dropped by the processor (queue full, or ended after shutdown). */
  long dropped() {
    return sum(PROCESSED, true);
  }

  /** Spans waiting in the processor's queue. */
  long queued() {
    return sum(QUEUE_SIZE, false);
  }

  // The sum of the long points of the named metric; with onlyErrors, of those that carry an error type.
  private long sum(String metricName, boolean onlyErrors) {
    long sum = 0;
    for (MetricData metric : registration.collectAllMetrics()) {
      if (metricName.equals(metric.getName())) {
        for (PointData point : metric.getData().getPoints()) {
          if (point instanceof LongPointData && (!onlyErrors || point.getAttributes().get(ERROR_TYPE) != null)) {
            sum += ((LongPointData) point).getValue();
          }
        }
      }
    }
    return sum;
  }

  @Override
  public void register(CollectionRegistration registration) {
    this.registration = registration;
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return AggregationTemporality.CUMULATIVE;
  }

  void closeMeterProvider() {
    meterProvider.close();
  }
}
