package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.bundle.internal.OtlpExporterProvider;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The grpc-java OTLP sender against a real receiver: retries, deadlines, shutdown and the hook. */
@Timeout(60)
class GrpcSenderTest {

  private OtlpGrpcReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new OtlpGrpcReceiver();
  }

  @AfterEach
  void stop() throws Exception {
    receiver.close();
  }

  private static SpanData span(String name) {
    return TestSpanData.builder().setName(name).setKind(SpanKind.INTERNAL)
        .setStartEpochNanos(1).setEndEpochNanos(2).setHasEnded(true)
        .setStatus(StatusData.unset()).setAttributes(Attributes.empty()).build();
  }

  @Test
  void unavailable_isRetriedWithOpenTelemetrysRetryPolicy() {
    receiver.failNext(2);
    SpanExporter exporter = new OtlpExporterProvider().create(
        TracingConfig.of(Map.of("otel.exporter.otlp.endpoint", receiver.endpoint())));
    try {
      CompletableResultCode result = exporter.export(List.of(span("retried"))).join(30, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).isTrue();
      assertThat(receiver.calls()).isEqualTo(3);
      assertThat(receiver.spans()).extracting(ReceivedSpan::name).containsExactly("retried");
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void retryDisabled_failsOnTheFirstUnavailable() {
    receiver.failNext(1);
    SpanExporter exporter = new OtlpExporterProvider().create(TracingConfig.of(Map.of(
        "otel.exporter.otlp.endpoint", receiver.endpoint(),
        "otel.java.exporter.otlp.retry.disabled", "true")));
    try {
      CompletableResultCode result = exporter.export(List.of(span("once"))).join(30, TimeUnit.SECONDS);
      assertThat(result.isSuccess()).isFalse();
      assertThat(receiver.calls()).isEqualTo(1);
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void plainTracingConfig_outsideInit_configuresTheExporter() {
    SpanExporter exporter = new OtlpExporterProvider().create(TracingConfig.of(Map.of(
        "otel.exporter.otlp.traces.endpoint", receiver.endpoint(),
        "otel.exporter.otlp.traces.headers", "x-tenant=acme")));
    try {
      assertThat(exporter.export(List.of(span("plain"))).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      assertThat(receiver.headers().get(0).get(
          io.grpc.Metadata.Key.of("x-tenant", io.grpc.Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("acme");
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void binaryHeader_isSentAsBase64Decoded() {
    SpanExporter exporter = new OtlpExporterProvider().create(TracingConfig.of(Map.of(
        "otel.exporter.otlp.traces.endpoint", receiver.endpoint(),
        "otel.exporter.otlp.traces.headers", "x-token-bin=AAEC,x-tenant=acme")));
    try {
      assertThat(exporter.export(List.of(span("bin"))).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      io.grpc.Metadata received = receiver.headers().get(0);
      assertThat(received.get(io.grpc.Metadata.Key.of("x-token-bin", io.grpc.Metadata.BINARY_BYTE_MARSHALLER)))
          .containsExactly(0, 1, 2);
      assertThat(received.get(io.grpc.Metadata.Key.of("x-tenant", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("acme");
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void invalidHeaderName_failsAtCreation_namingTheHeaderAndTheSetting() {
    assertThatThrownBy(() -> new OtlpExporterProvider().create(TracingConfig.of(Map.of(
        "otel.exporter.otlp.traces.endpoint", receiver.endpoint(),
        "otel.exporter.otlp.traces.headers", "x@token=1"))).shutdown())
        .hasStackTraceContaining("x@token")
        .hasStackTraceContaining("otel.exporter.otlp[.traces].headers");
    assertThat(receiver.calls()).isZero();
  }

  @Test
  void invalidHeaderName_failsTracingInit_withATracingConfigurationException() {
    assertThatThrownBy(() -> Tracing.init(TracingSettings.builder()
        .registerGlobal(false).shutdownHook(false).endpoint(receiver.endpoint())
        .property("otel.exporter.otlp.headers", "x@token=1").build()).close())
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("x@token");
  }

  @Test
  void shutdownHook_flushesPendingSpans_andIsRemovedOnClose() throws Exception {
    TracingHandle tracing = Tracing.init(TracingSettings.builder()
        .registerGlobal(false).shutdownHook(true).endpoint(receiver.endpoint()).build());
    Thread hook = tracing.shutdownHookThread();
    assertThat(hook).isNotNull();
    tracing.openTelemetry().getTracer("t").spanBuilder("at-exit").startSpan().end();
    // default schedule delay is 5 s: only the hook's flush can deliver the span this early
    hook.run(); // what the JVM does at exit
    assertThat(receiver.spans()).extracting(ReceivedSpan::name).containsExactly("at-exit");
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("already removed by close").isFalse();
    assertThat(tracing.exportStats().exportedSpans()).isEqualTo(1);
  }

  @Test
  void flush_sendsWithoutWaitingForTheScheduleDelay() throws Exception {
    try (TracingHandle tracing = Tracing.init(TracingSettings.builder()
        .registerGlobal(false).shutdownHook(false).endpoint(receiver.endpoint())
        .property("otel.bsp.schedule.delay", "60000").build())) {
      tracing.openTelemetry().getTracer("t").spanBuilder("flushed").startSpan().end();
      assertThat(tracing.flush()).isTrue();
      assertThat(receiver.awaitSpans(1, Duration.ofSeconds(5)))
          .extracting(ReceivedSpan::name).containsExactly("flushed");
    }
  }
}
