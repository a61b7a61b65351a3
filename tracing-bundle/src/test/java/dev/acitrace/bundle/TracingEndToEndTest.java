package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Traced gRPC calls exported over OTLP to a real receiver on 127.0.0.1, gRPC and http/protobuf. */
@Timeout(60)
class TracingEndToEndTest {

  private OtlpGrpcReceiver grpcReceiver;
  private OtlpHttpReceiver httpReceiver;

  @BeforeEach
  void startReceivers() throws Exception {
    grpcReceiver = new OtlpGrpcReceiver();
    httpReceiver = new OtlpHttpReceiver();
  }

  @AfterEach
  void stopReceivers() throws Exception {
    grpcReceiver.close();
    httpReceiver.close();
  }

  static TracingSettings.Builder settings() {
    return TracingSettings.builder()
        .registerGlobal(false)
        .shutdownHook(false)
        .property("otel.bsp.schedule.delay", "20ms");
  }

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.bundle");
  }

  @Test
  void otlpGrpc_tracedCalls_arriveWithResourceNamesTraceIdsParentsAndAttributes() throws Exception {
    TracingHandle tracing = Tracing.init(settings()
        .endpoint(grpcReceiver.endpoint())
        .property("environment", "staging")
        .build());
    try (TracedEcho echo = new TracedEcho(tracing.openTelemetry())) {
      assertThat(echo.say("one")).isEqualTo("echo one");
      assertThat(echo.say("two")).isEqualTo("echo two");
    }
    tracing.close();

    List<ReceivedSpan> spans = grpcReceiver.spans();
    assertThat(spans).hasSize(6);
    assertThat(spans).allSatisfy(span -> {
      assertThat(span.resource()).containsEntry("service.name", Tracing.DEFAULT_SERVICE_NAME);
      assertThat(span.resource()).containsEntry("deployment.environment.name", "staging");
    });
    Map<String, List<ReceivedSpan>> traces =
        spans.stream().collect(Collectors.groupingBy(ReceivedSpan::traceId));
    assertThat(traces).hasSize(2);
    for (List<ReceivedSpan> trace : traces.values()) {
      ReceivedSpan client = only(trace, SpanKind.SPAN_KIND_CLIENT);
      ReceivedSpan server = only(trace, SpanKind.SPAN_KIND_SERVER);
      ReceivedSpan work = only(trace, SpanKind.SPAN_KIND_INTERNAL);
      assertThat(client.name()).isEqualTo("test.Echo/Say");
      assertThat(client.parentSpanId()).isEmpty();
      assertThat(server.name()).isEqualTo("test.Echo/Say");
      assertThat(server.parentSpanId()).isEqualTo(client.spanId());
      assertThat(work.name()).isEqualTo("echo.work");
      assertThat(work.parentSpanId()).isEqualTo(server.spanId());
      // acitrace's interceptors: semantic-convention attributes on both sides, a request id on the server
      for (ReceivedSpan rpc : List.of(client, server)) {
        assertThat(rpc.attributes()).as(rpc.kind().toString()).containsEntry("rpc.system", "grpc")
            .containsEntry("rpc.service", "test.Echo").containsEntry("rpc.method", "Say")
            .containsEntry("rpc.grpc.status_code", "0").containsKey("rpc.grpc.duration_ms");
      }
      assertThat(client.attributes()).containsKey("server.address");
      assertThat(server.attributes().get("request.id")).matches("[0-9a-f]{32}");
      assertThat(work.attributes()).containsEntry("echo.length", "3");
    }
    assertThat(tracing.exportStats()).isEqualTo(new ExportStats(6, 0, 0, 0));
  }

  @Test
  void otlpGrpc_headersAndGzip_reachTheReceiver() throws Exception {
    try (TracingHandle tracing = Tracing.init(settings()
        .property("otel.exporter.otlp.traces.endpoint", grpcReceiver.endpoint())
        .property("otel.exporter.otlp.headers", "api-key=secret,tenant=acme")
        .property("otel.exporter.otlp.compression", "gzip")
        .build())) {
      tracing.openTelemetry().getTracer("t").spanBuilder("one").startSpan().end();
      assertThat(tracing.flush()).isTrue();
    }
    assertThat(grpcReceiver.spans()).extracting(ReceivedSpan::name).containsExactly("one");
    Metadata headers = grpcReceiver.headers().get(0);
    assertThat(headers.get(key("api-key"))).isEqualTo("secret");
    assertThat(headers.get(key("tenant"))).isEqualTo("acme");
    assertThat(headers.get(key("grpc-encoding"))).isEqualTo("gzip");
  }

  @Test
  void otlpHttpProtobuf_tracedCalls_arriveAtV1TracesWithHeadersAndGzip() throws Exception {
    TracingHandle tracing = Tracing.init(settings()
        .property("otel.exporter.otlp.protocol", "http/protobuf")
        .endpoint(httpReceiver.endpoint())
        .property("otel.exporter.otlp.headers", "api-key=secret")
        .property("otel.exporter.otlp.compression", "gzip")
        .serviceName("echo-service")
        .environment("prod")
        .build());
    try (TracedEcho echo = new TracedEcho(tracing.openTelemetry())) {
      echo.say("hello");
    }
    tracing.close();

    List<ReceivedSpan> spans = httpReceiver.spans();
    assertThat(spans).extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("test.Echo/Say", "test.Echo/Say", "echo.work");
    assertThat(spans).extracting(ReceivedSpan::traceId).containsOnly(spans.get(0).traceId());
    assertThat(spans.get(0).resource()).containsEntry("service.name", "echo-service")
        .containsEntry("deployment.environment.name", "prod");
    // the RPC metrics go the same way (OTEL_METRICS_EXPORTER defaults to otlp), to /v1/metrics
    assertThat(httpReceiver.paths()).contains("/v1/traces", "/v1/metrics").containsOnly("/v1/traces", "/v1/metrics");
    assertThat(httpReceiver.lastHeaders()).containsEntry("api-key", "secret")
        .containsEntry("content-encoding", "gzip")
        .containsEntry("content-type", "application/x-protobuf");
  }

  @Test
  void otlpAndConsole_together_bothReceiveTheTrace() throws Exception {
    java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
    try (TracingHandle tracing = Tracing.init(settings()
        .endpoint(grpcReceiver.endpoint()).exporters("otlp", "console")
        .consoleOutput(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8))
        .build())) {
      assertThat(tracing.exporters()).containsExactly("otlp", "console");
      tracing.openTelemetry().getTracer("t").spanBuilder("both").startSpan().end();
    }
    assertThat(grpcReceiver.awaitSpans(1, Duration.ofSeconds(5)))
        .extracting(ReceivedSpan::name).containsExactly("both");
    assertThat(console.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("└─ both ");
  }

  private static ReceivedSpan only(List<ReceivedSpan> trace, SpanKind kind) {
    List<ReceivedSpan> matching = trace.stream().filter(s -> s.kind() == kind).collect(Collectors.toList());
    assertThat(matching).as(kind.toString()).hasSize(1);
    return matching.get(0);
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
