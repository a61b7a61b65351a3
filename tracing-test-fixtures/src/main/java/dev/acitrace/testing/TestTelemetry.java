package dev.acitrace.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.assertj.TracesAssert;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An SDK with W3C trace context + baggage, exporting to memory, and {@link EndCounting} on it: hand
 * {@link #otel} (not {@link #sdk}) to the interceptors under test, so a second {@code end()} is counted.
 */
public final class TestTelemetry {

  public final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  public final EndCounting ends = new EndCounting();
  public final OpenTelemetrySdk sdk;
  /** {@link #sdk} with every span it starts counting its {@code end()} calls. */
  public final OpenTelemetry otel;

  public TestTelemetry(Sampler sampler) {
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .setSampler(sampler)
            .addSpanProcessor(ends.processor())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
    otel = ends.wrap(sdk);
  }

  public TestTelemetry() {
    this(Sampler.alwaysOn());
  }

  /**
   * Waits (bounded poll) until {@code count} spans have ended and every span started so far has ended
   * (server and client spans end on different callbacks, which a blocking call need not wait for), then
   * asserts the count is exact: with no span still open, none can appear later for the calls made.
   */
  public List<SpanData> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((exporter.getFinishedSpanItems().size() < count || !ends.unended().isEmpty())
        && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(ends.unended()).as("spans started but not ended").isEmpty();
    assertThat(spans).as("finished spans").hasSize(count);
    return spans;
  }

  /** {@link #awaitSpans}, grouped into traces for {@code hasTracesSatisfyingExactly}. */
  public TracesAssert awaitTraces(int spanCount) throws InterruptedException {
    return TracesAssert.assertThat(awaitSpans(spanCount));
  }

  /**
   * Every span started on this SDK has ended (bounded wait), exactly once ({@code onEnd} once per span
   * id), and nobody called {@code end()} again on a span handed out through {@link #otel}.
   */
  public void assertEachSpanEndedExactlyOnce() throws InterruptedException {
    assertThat(ends.awaitAllEnded(5, TimeUnit.SECONDS)).as("spans never ended: %s", ends.unended()).isTrue();
    assertThat(ends.endedTwice()).as("spans whose onEnd ran twice").isEmpty();
    assertThat(ends.extraEndCalls()).as("end() calls on an already ended span").isZero();
  }

  /** The sampled bit of a traceparent's flags (other bits, e.g. "random trace id", may be set). */
  public static boolean sampledFlag(String traceparent) {
    return (Integer.parseInt(traceparent.substring(traceparent.length() - 2), 16) & 1) == 1;
  }

  public void close() {
    sdk.close();
  }
}
