package dev.acitrace.bench;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.OpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;

/**
 * The one SDK setup every traced variant runs on: always-on or always-off sampling, a
 * {@link BatchSpanProcessor} with its default settings, and an exporter that drops what it gets.
 */
final class TracingSdk implements AutoCloseable {

  private final DroppingSpanExporter exporter = new DroppingSpanExporter();
  private final DroppingMetricExporter metricExporter = new DroppingMetricExporter();
  private final OpenTelemetrySdk sdk;

  TracingSdk(boolean sampled, TextMapPropagator propagator) {
    this(sampled, propagator, false);
  }

  /**
   * With {@code metrics}, the SDK also has a meter provider with one periodic reader (default interval) whose
   * exporter drops what it gets: both variants' RPC metrics are on, recorded into the same aggregation.
   */
  TracingSdk(boolean sampled, TextMapPropagator propagator, boolean metrics) {
    SdkTracerProvider tracerProvider =
        SdkTracerProvider.builder()
            .setSampler(sampled ? Sampler.alwaysOn() : Sampler.alwaysOff())
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    OpenTelemetrySdkBuilder builder =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracerProvider)
            .setPropagators(ContextPropagators.create(propagator));
    if (metrics) {
      builder.setMeterProvider(SdkMeterProvider.builder()
          .registerMetricReader(PeriodicMetricReader.builder(metricExporter).build())
          .build());
    }
    this.sdk = builder.build();
  }

  OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** Spans that went through the batch processor to the exporter, after flushing what is queued. */
  long exportedSpans() {
    sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    return exporter.exported();
  }

  /** The metric names exported, after a flush (empty without metrics). */
  java.util.Set<String> exportedMetricNames() {
    sdk.getSdkMeterProvider().forceFlush().join(10, TimeUnit.SECONDS);
    return metricExporter.names();
  }

  @Override
  public void close() {
    sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
    sdk.getSdkMeterProvider().shutdown().join(10, TimeUnit.SECONDS);
  }
}
