package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the acitrace adapters must do to be benchmarked fairly: trace every call like OpenTelemetry's
 * variant does, and read and write the same baggage header.
 */
class OursVariantsTest {

  @Test
  void oursSampled_everyCall_exportsClientAndServerSpan() {
    try (InProcessHarness harness = new InProcessHarness(new OursGrpcTracing(), true)) {
      for (int i = 0; i < 10; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.serverStreaming(r -> {})).isEqualTo(BenchRpc.STREAM_MESSAGES);
      assertThat(harness.exportedSpans()).isEqualTo(22);
    }
  }

  @Test
  void oursAttemptSpans_everyCall_exportsCallAttemptAndServerSpan() {
    try (InProcessHarness harness = new InProcessHarness(OursGrpcTracing.withAttemptSpans(), true)) {
      for (int i = 0; i < 10; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.serverStreaming(r -> {})).isEqualTo(BenchRpc.STREAM_MESSAGES);
      assertThat(harness.exportedSpans()).isEqualTo(33);
    }
    try (InProcessHarness harness = new InProcessHarness(OursGrpcTracing.withAttemptSpans(), false)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isZero();
    }
  }

  @Test
  void metricsOn_bothVariants_recordTheirRpcMetrics_sampledOrNot() {
    for (boolean sampled : new boolean[] {true, false}) {
      try (InProcessHarness harness = new InProcessHarness(new OursGrpcTracing(), sampled, true)) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
        assertThat(harness.exportedMetricNames()).contains("rpc.client.duration", "rpc.server.duration");
      }
      try (InProcessHarness harness = new InProcessHarness(new OtelGrpcTracing(), sampled, true)) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
        assertThat(harness.exportedMetricNames()).contains("rpc.client.duration", "rpc.server.duration");
      }
    }
    // and without the meter provider, nothing (the existing benchmarks are unchanged)
    try (InProcessHarness harness = new InProcessHarness(new OursGrpcTracing(), true)) {
      harness.unary();
      assertThat(harness.exportedMetricNames()).isEmpty();
    }
  }

  @Test
  void oursUnsampled_calls_answerAndExportNothing() {
    try (InProcessHarness harness = new InProcessHarness(new OursGrpcTracing(), false)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.serverStreaming(r -> {})).isEqualTo(BenchRpc.STREAM_MESSAGES);
      assertThat(harness.exportedSpans()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"full", "noRequestIds", "traceContextOnly", "baggageOnly", "noPropagation", "filtered"})
  void breakdownConfigs_answerAndTraceUnlessFiltered(String config) {
    // sampled here, so that the spans show the configuration is what it says; the benchmark runs unsampled
    try (InProcessHarness harness = new InProcessHarness(new OursUnsampledBreakdownBenchmark.Variant(config), true)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isEqualTo(config.equals("filtered") ? 0 : 2);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 30})
  void oursCodec_decodesOpenTelemetrysHeaderAndWritesOneItDecodes(int entries) {
    Baggage baggage = BaggageSamples.of(entries);
    OursBaggageCodec ours = new OursBaggageCodec();

    Context decoded = ours.decode(new HeaderCarrier(BaggageSamples.header(baggage)));
    assertThat(entries(Baggage.fromContext(decoded))).isEqualTo(entries(baggage));

    HeaderCarrier written = new HeaderCarrier(null);
    ours.encode(Context.root().with(baggage), written);
    Context byOtel = new OtelBaggageCodec().decode(written);
    assertThat(entries(Baggage.fromContext(byOtel))).isEqualTo(entries(baggage));
  }

  /** Key to value and metadata; BaggageEntry implementations only equal their own kind. */
  private static java.util.Map<String, String> entries(Baggage baggage) {
    java.util.Map<String, String> map = new java.util.TreeMap<>();
    baggage.forEach((k, e) -> map.put(k, e.getValue() + ";" + e.getMetadata().getValue()));
    return map;
  }
}
