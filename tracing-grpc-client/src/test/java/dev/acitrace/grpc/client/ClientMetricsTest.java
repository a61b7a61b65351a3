package dev.acitrace.grpc.client;

import static dev.acitrace.testing.TestCalls.stream;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RPC metrics of the client interceptor, read with the SDK's in-memory metric reader: every call type, OK
 * and failed, in both semantic-convention generations, sampled or not, with exemplars, and nothing for a
 * filtered method.
 */
@SuppressWarnings("try")
class ClientMetricsTest {

  private final TestService service = new TestService();
  private InMemoryMetricReader reader;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private OpenTelemetrySdk sdk;
  private Server server;
  private String serverName;

  @BeforeEach
  void start() throws Exception {
    serverName = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(serverName).directExecutor().addService(service.definition()).build()
        .start();
    sdk(Sampler.alwaysOn());
  }

  private void sdk(Sampler sampler) {
    reader = InMemoryMetricReader.create(); // a reader serves one meter provider
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create())).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
        .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    service.released.countDown();
    TestCalls.stopAll(channels, List.of(server));
    sdk.close();
  }

  private ManagedChannel channel(Map<String, String> config, GrpcClientTracing.Builder... configured) {
    GrpcClientTracing.Builder builder = configured.length > 0 ? configured[0]
        : GrpcClientTracing.builder(sdk).config(TracingConfig.of(config)).enrichers(List.of());
    ManagedChannel channel = builder.target("dns:///echo.example:8443").build()
        .applyTo(InProcessChannelBuilder.forName(serverName).directExecutor()).build();
    channels.add(channel);
    return channel;
  }

  private Map<String, MetricData> metrics() {
    return reader.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }


  private static Attributes newAttributes(String method, String code, boolean error) {
    var builder = Attributes.builder().put("rpc.system.name", "grpc").put("rpc.method", "test.Echo/" + method)
        .put("rpc.response.status_code", code).put("server.address", "echo.example").put("server.port", 8443L);
    if (error) {
      builder.put("error.type", code);
    }
    return builder.build();
  }

  @Test
  void newConventions_everyCallType_okAndFailed_oneSeriesEach() throws Exception {
    TestService.callEveryTypeOkAndFailed(channel(Map.of("otel.semconv-stability.opt-in", "rpc")));

    Map<String, MetricData> metrics = metrics();
    assertThat(metrics.keySet()).containsExactly("rpc.client.call.duration");
    assertThat(metrics.get("rpc.client.call.duration")).hasUnit("s").hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(newAttributes("Unary", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Unary", "NOT_FOUND", true)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ServerStream", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ServerStream", "NOT_FOUND", true)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ClientStream", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ClientStream", "NOT_FOUND", true)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Bidi", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Bidi", "NOT_FOUND", true)).hasCount(1)));
  }

  @Test
  void oldConventions_everyCallType_durationInMs_andMessagesPerRpc() throws Exception {
    TestService.callEveryTypeOkAndFailed(channel(Map.of()));

    Map<String, MetricData> metrics = metrics();
    assertThat(metrics.keySet()).containsExactlyInAnyOrder("rpc.client.duration", "rpc.client.requests_per_rpc",
        "rpc.client.responses_per_rpc");
    assertThat(metrics.get("rpc.client.duration")).hasUnit("ms")
        .hasHistogramSatisfying(h -> h.hasPointsSatisfying(
            p -> p.hasAttributes(oldAttributes("Unary", 0)), p -> p.hasAttributes(oldAttributes("Unary", 5)),
            p -> p.hasAttributes(oldAttributes("ServerStream", 0)), p -> p.hasAttributes(oldAttributes("ServerStream", 5)),
            p -> p.hasAttributes(oldAttributes("ClientStream", 0)), p -> p.hasAttributes(oldAttributes("ClientStream", 5)),
            p -> p.hasAttributes(oldAttributes("Bidi", 0)), p -> p.hasAttributes(oldAttributes("Bidi", 5))));
    // messages per call: server streaming answers 3, bidi echoes each of its 2 requests, client streaming 1
    assertThat(sum(metrics.get("rpc.client.responses_per_rpc"), oldAttributes("ServerStream", 0))).isEqualTo(3);
    assertThat(sum(metrics.get("rpc.client.requests_per_rpc"), oldAttributes("ClientStream", 0))).isEqualTo(2);
    assertThat(sum(metrics.get("rpc.client.responses_per_rpc"), oldAttributes("Bidi", 0))).isEqualTo(2);
    assertThat(sum(metrics.get("rpc.client.responses_per_rpc"), oldAttributes("ClientStream", 0))).isEqualTo(1);
  }

  private static Attributes oldAttributes(String method, long code) {
    return Attributes.builder().put("rpc.system", "grpc").put("rpc.service", "test.Echo").put("rpc.method", method)
        .put("rpc.grpc.status_code", code).put("server.address", "echo.example").put("server.port", 8443L).build();
  }

  private static double sum(MetricData metric, Attributes attributes) {
    return metric.getHistogramData().getPoints().stream().filter(p -> p.getAttributes().equals(attributes))
        .mapToDouble(HistogramPointData::getSum).sum();
  }

  @Test
  void sampledCall_hasAnExemplarPointingAtTheClientSpan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    sdk.close();
    reader = InMemoryMetricReader.create();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
        .build();
    ManagedChannel channel = channel(Map.of("otel.semconv-stability.opt-in", "rpc"));
    Span parent = sdk.getTracer("t").spanBuilder("parent").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");
    } finally {
      parent.end();
    }
    var client = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == io.opentelemetry.api.trace.SpanKind.CLIENT)
        .findFirst().orElseThrow();
    assertThat(metrics().get("rpc.client.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasExemplarsSatisfying(e -> e.hasTraceId(client.getTraceId()).hasSpanId(client.getSpanId()))));
  }

  @Test
  void unsampledCalls_areRecordedToo_withoutExemplars() throws Exception {
    sdk.close();
    sdk(Sampler.alwaysOff());
    ManagedChannel channel = channel(Map.of("otel.semconv-stability.opt-in", "rpc"));
    for (int i = 0; i < 3; i++) {
      ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");
    }
    assertThat(metrics().get("rpc.client.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(3).hasAttribute(stringKey("rpc.method"), "test.Echo/Unary")
            .hasAttribute(longKey("server.port"), 8443L).hasExemplars()));
  }

  @Test
  void filteredMethod_recordsNothing() throws Exception {
    ManagedChannel channel = channel(Map.of(), GrpcClientTracing.builder(sdk).config(TracingConfig.of(Map.of()))
        .enrichers(List.of()).methodFilter(m -> !m.method().equals("Unary")));
    ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");
    assertThat(reader.collectAllMetrics()).isEmpty();
    ClientCalls.blockingServerStreamingCall(channel, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    assertThat(metrics()).containsKey("rpc.client.duration");
  }
}
