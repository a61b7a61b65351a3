package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SDK floor does the least a real instrumentation must: two spans per call, ended, the server's span a
 * child in the client's trace and current in the handler, the baggage carried.
 */
class SdkFloorTracingTest {

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void handler_runsInTheServerSpan_ofTheCallersTrace_withTheBaggage(boolean standardPropagators) throws Exception {
    SdkFloorTracing variant =
        standardPropagators ? SdkFloorTracing.withStandardPropagators() : SdkFloorTracing.withAcitracePropagators();
    try (TracingSdk sdk = new TracingSdk(true, variant.propagator())) {
      OneCall call = OneCall.through(variant, sdk.openTelemetry());

      assertThat(call.response()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(call.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f][13579bdf]"); // sampled flag set
      String[] parts = call.traceparent().split("-");
      assertThat(call.handlerSpan().getTraceId()).isEqualTo(parts[1]);
      assertThat(call.handlerSpan().getSpanId()).isNotEqualTo(parts[2]); // the server's own span, not the remote one
      assertThat(call.handlerSpan().isRemote()).isFalse();
      assertThat(call.handlerBaggage().getEntryValue("user.id")).isEqualTo("alice");
      assertThat(call.handlerBaggage().size()).isEqualTo(3);
      assertThat(sdk.exportedSpans()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void conventionAttributes_onBothSpans_statusAtTheEnd(boolean standardPropagators) throws Exception {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    SdkFloorTracing variant = standardPropagators
        ? SdkFloorTracing.withStandardPropagatorsAndConventionAttributes()
        : SdkFloorTracing.withConventionAttributes();
    if (standardPropagators) {
      assertThat(variant.propagator()).isSameAs(GrpcTracingVariant.W3C_PROPAGATORS); // OpenTelemetry's own
    } else {
      assertThat(variant.propagator()).isNotSameAs(GrpcTracingVariant.W3C_PROPAGATORS);
    }
    List<SpanData> spans;
    try (OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .setPropagators(ContextPropagators.create(variant.propagator()))
            .build()) {
      assertThat(OneCall.through(variant, sdk).response()).isEqualTo(BenchRpc.RESPONSE);
      spans = exporter.getFinishedSpanItems(); // before closing: the exporter's shutdown forgets them
    }
    String service = BenchRpc.UNARY.getServiceName();
    String method = BenchRpc.UNARY.getBareMethodName();
    assertThat(spans)
        .hasSize(2)
        .allSatisfy(
            span -> {
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc");
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo(service);
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo(method);
              assertThat(span.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isZero();
            })
        .anySatisfy(span -> assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT))
        .anySatisfy(span -> assertThat(span.getKind()).isEqualTo(SpanKind.SERVER));
    SpanData client = spans.stream().filter(span -> span.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    SpanData server = spans.stream().filter(span -> span.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    assertThat(server.getParentSpanId()).isEqualTo(client.getSpanId()); // the server span is the client's child
    assertThat(server.getTraceId()).isEqualTo(client.getTraceId());
  }

  @Test
  void sampled_everyCall_endsBothSpans_unsampled_exportsNone() {
    try (InProcessHarness harness = new InProcessHarness(SdkFloorTracing.withAcitracePropagators(), true)) {
      for (int i = 0; i < 3; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.exportedSpans()).isEqualTo(6);
    }
    try (InProcessHarness harness = new InProcessHarness(SdkFloorTracing.withAcitracePropagators(), false)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isZero();
    }
  }
}
