package dev.acitrace.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The "ended exactly once" check the tracing tests rely on can fail: it sees what the SDK hides. */
class EndCountingTest {

  private final TestTelemetry telemetry = new TestTelemetry();

  @AfterEach
  void close() {
    telemetry.close();
  }

  @Test
  void secondEnd_onAWrappedSpan_isCountedThoughTheSdkIgnoresIt() throws Exception {
    Span span = telemetry.otel.getTracer("test").spanBuilder("twice").startSpan();
    span.end();
    span.end();

    assertThat(telemetry.ends.extraEndCalls()).isEqualTo(1);
    // what exporter- or processor-based checks see: one span, ended once
    assertThat(telemetry.exporter.getFinishedSpanItems()).hasSize(1);
    assertThat(telemetry.ends.endedTwice()).isEmpty();
    assertThatThrownBy(telemetry::assertEachSpanEndedExactlyOnce)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("end() calls on an already ended span");
  }

  @Test
  void spanNeverEnded_isReportedAfterABoundedWait() throws Exception {
    Span open = telemetry.sdk.getTracer("test").spanBuilder("open").startSpan();

    assertThat(telemetry.ends.awaitAllEnded(20, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(telemetry.ends.unended()).containsExactly(open.getSpanContext().getSpanId());
    assertThatThrownBy(() -> telemetry.awaitSpans(0))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("spans started but not ended");
    open.end();
    telemetry.assertEachSpanEndedExactlyOnce();
  }

  @Test
  void awaitSpans_anExtraFinishedSpan_failsTheExactCount() throws Exception {
    telemetry.otel.getTracer("test").spanBuilder("one").startSpan().end();
    telemetry.otel.getTracer("test").spanBuilder("two").startSpan().end();

    assertThatThrownBy(() -> telemetry.awaitSpans(1))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("finished spans");
    assertThat(telemetry.awaitSpans(2)).hasSize(2);
  }

  @Test
  void unsampledSpanNeverEnded_isReportedThoughNoProcessorSeesIt() throws Exception {
    TestTelemetry off = new TestTelemetry(Sampler.alwaysOff());
    try {
      Span span = off.otel.getTracer("test").spanBuilder("unsampled").startSpan();
      assertThat(span.isRecording()).isFalse();
      assertThat(off.ends.startedCount()).isZero();
      assertThat(off.ends.unended()).containsExactly(span.getSpanContext().getSpanId());
      span.end();
      off.assertEachSpanEndedExactlyOnce();
      assertThat(off.ends.handedOutCount()).isEqualTo(1);
    } finally {
      off.close();
    }
  }

  @Test
  void secondEnd_example_namesTheSpanAndTheCaller() {
    Span span = telemetry.otel.getTracer("test").spanBuilder("twice").startSpan();
    span.end();
    assertThat(telemetry.ends.examples()).isEmpty();
    span.end();

    assertThat(telemetry.ends.spansHandedOut()).isEqualTo(1);
    assertThat(telemetry.ends.endCalls()).isEqualTo(2);
    assertThat(telemetry.ends.examples()).singleElement().asString()
        .startsWith("twice ended again at " + EndCountingTest.class.getName() + ".secondEnd_example_");
  }

  @Test
  void endThroughTheInterfaceDefault_isCountedOnce() throws Exception {
    Span span = telemetry.otel.getTracerProvider().tracerBuilder("test").setInstrumentationVersion("1").build()
        .spanBuilder("instant").setAttribute("k", "v").startSpan().setAttribute("a", 1L);

    span.end(java.time.Instant.now());

    assertThat(telemetry.ends.endCalls()).isEqualTo(1);
    assertThat(telemetry.awaitSpans(1).get(0).getAttributes().size()).isEqualTo(2);
    telemetry.assertEachSpanEndedExactlyOnce();
  }

  @Test
  void spanInContext_isTheCountingWrapper() {
    Span span = telemetry.otel.getTracer("test").spanBuilder("current").startSpan();

    try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
      Span.current().end();
    }
    Span.fromContext(io.opentelemetry.context.Context.root().with(span)).end();

    assertThat(telemetry.ends.endCalls()).isEqualTo(2);
    assertThat(telemetry.ends.extraEndCalls()).isEqualTo(1);
  }
}
