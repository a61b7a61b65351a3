package dev.acitrace.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;

/** An SDK with W3C trace context + baggage, exporting to memory. */
final class TestTelemetry {

  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final OpenTelemetrySdk sdk;

  TestTelemetry(Sampler sampler) {
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
  }

  TestTelemetry() {
    this(Sampler.alwaysOn());
  }

  /**
   * Waits until {@code count} spans have ended (server and client spans end on different callbacks, which
   * a blocking call need not wait for), then a moment longer checks no extra span appears.
   */
  List<SpanData> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (exporter.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).as("finished spans").hasSize(count);
    return spans;
  }

  /** The sampled bit of a traceparent's flags (other bits, e.g. "random trace id", may be set). */
  static boolean sampledFlag(String traceparent) {
    return (Integer.parseInt(traceparent.substring(traceparent.length() - 2), 16) & 1) == 1;
  }

  void close() {
    sdk.close();
  }
}
