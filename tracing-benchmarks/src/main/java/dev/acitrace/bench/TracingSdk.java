package dev.acitrace.bench;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
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
  private final OpenTelemetrySdk sdk;

  TracingSdk(boolean sampled, TextMapPropagator propagator) {
    SdkTracerProvider tracerProvider =
        SdkTracerProvider.builder()
            .setSampler(sampled ? Sampler.alwaysOn() : Sampler.alwaysOff())
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    this.sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracerProvider)
            .setPropagators(ContextPropagators.create(propagator))
            .build();
  }

  OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** Spans that went through the batch processor to the exporter, after flushing what is queued. */
  long exportedSpans() {
    sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
    return exporter.exported();
  }

  @Override
  public void close() {
    sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
  }
}
