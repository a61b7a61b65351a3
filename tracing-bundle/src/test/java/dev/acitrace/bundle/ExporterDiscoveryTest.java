package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.ExporterProvider;
import dev.acitrace.grpc.GrpcTraceBinPropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Provider discovery, run twice by the build: on the module path ({@code provides} in module-info) and on
 * the classpath ({@code META-INF/services}, with {@code acitrace.test.classpath=true}).
 */
@Timeout(60)
class ExporterDiscoveryTest {

  private static final boolean CLASSPATH = Boolean.getBoolean("acitrace.test.classpath");

  private static TracingSettings.Builder settings() {
    return TracingSettings.builder().registerGlobal(false).shutdownHook(false);
  }

  @Test
  void runsOnTheExpectedPath() {
    assertThat(getClass().getModule().isNamed()).isEqualTo(!CLASSPATH);
  }

  @Test
  void builtInExporterProviders_areDiscoveredInOrder() {
    if (CLASSPATH) {
      assertThat(Providers.names(ExporterProvider.class)).containsExactly("otlp", "console", "none", "recording");
    } else {
      assertThat(Providers.names(ExporterProvider.class)).containsExactly("otlp", "console", "none");
    }
  }

  @Test
  void testOnlyProvider_onTheClasspath_isUsedByName() {
    if (!CLASSPATH) {
      // test resources do not extend a named module's `provides`; see ModulePathLaunchTest
      assertThat(Providers.names(ExporterProvider.class)).doesNotContain("recording");
      return;
    }
    try (TracingHandle tracing = Tracing.init(settings().exporters("recording").build())) {
      tracing.openTelemetry().getTracer("t").spanBuilder("picked-up").startSpan().end();
      assertThat(tracing.flush()).isTrue();
      assertThat(RecordingExporterProvider.EXPORTER.getFinishedSpanItems())
          .extracting(SpanData::getName).containsExactly("picked-up");
    }
  }

  @Test
  void grpcSenderProvider_isFoundByTheOtlpExporter() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      try (TracingHandle tracing = Tracing.init(settings().endpoint(receiver.endpoint()).build())) {
        tracing.openTelemetry().getTracer("t").spanBuilder("over-grpc-java").startSpan().end();
        assertThat(tracing.flush()).isTrue();
      }
      assertThat(receiver.awaitSpans(1, Duration.ofSeconds(5)))
          .extracting(ReceivedSpan::name).containsExactly("over-grpc-java");
    }
  }

  @Test
  void jdkHttpSender_isFoundByTheOtlpExporter() throws Exception {
    try (OtlpHttpReceiver receiver = new OtlpHttpReceiver()) {
      try (TracingHandle tracing = Tracing.init(settings().endpoint(receiver.endpoint())
          .property("otel.exporter.otlp.protocol", "http/protobuf").build())) {
        tracing.openTelemetry().getTracer("t").spanBuilder("over-jdk-http").startSpan().end();
        assertThat(tracing.flush()).isTrue();
      }
      assertThat(receiver.spans()).extracting(ReceivedSpan::name).containsExactly("over-jdk-http");
    }
  }

  @Test
  void grpcTraceBinPropagator_isSelectedByName() {
    try (TracingHandle tracing = Tracing.init(settings().exporters("none")
        .property("otel.propagators", "tracecontext,grpc-trace-bin").build())) {
      TextMapPropagator propagator = tracing.openTelemetry().getPropagators().getTextMapPropagator();
      assertThat(propagator.fields()).containsExactlyInAnyOrder("traceparent", "tracestate", "grpc-trace-bin");

      Span span = Span.wrap(io.opentelemetry.api.trace.SpanContext.create("0af7651916cd43dd8448eb211c80319c",
          "b7ad6b7169203331", io.opentelemetry.api.trace.TraceFlags.getSampled(),
          io.opentelemetry.api.trace.TraceState.getDefault()));
      java.util.Map<String, String> carrier = new java.util.HashMap<>();
      propagator.inject(Context.root().with(span), carrier, java.util.Map::put);
      assertThat(carrier).containsKeys("traceparent", "grpc-trace-bin");
      assertThat(GrpcTraceBinPropagator.decode(java.util.Base64.getDecoder().decode(carrier.get("grpc-trace-bin")))
          .getSpanId()).isEqualTo("b7ad6b7169203331");
    }
  }
}
