package dev.acitrace.grpc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The "ended exactly once" check the tracing tests rely on can fail: it sees what the SDK hides. */
class EndCountingTest {

  private final ClientTestTelemetry telemetry = new ClientTestTelemetry();

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
    ClientTestTelemetry off = new ClientTestTelemetry(Sampler.alwaysOff());
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
}
