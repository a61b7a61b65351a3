package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;

/** The propagate-only floor really writes and reads both headers, and the handler sees what was sent. */
class PropagateOnlyTracingTest {

  @Test
  void call_carriesTraceparentAndBaggage_handlerSeesBoth() throws Exception {
    OneCall call = OneCall.through(new PropagateOnlyTracing(), OpenTelemetry.noop());

    assertThat(call.response()).isEqualTo(BenchRpc.RESPONSE);
    assertThat(call.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
    assertThat(call.handlerSpan().getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(call.handlerBaggage().size()).isEqualTo(3);
    assertThat(call.handlerBaggage().getEntryValue("user.id")).isEqualTo("alice");
  }

  @Test
  void oursWithStandardPropagators_sampled_exportsClientAndServerSpan() {
    OursStandardPropagatorsBenchmark benchmark = new OursStandardPropagatorsBenchmark();
    try (InProcessHarness harness = new InProcessHarness(benchmark.variant(), true)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isEqualTo(2);
    }
  }
}
