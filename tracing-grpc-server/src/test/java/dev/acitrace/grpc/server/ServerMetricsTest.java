package dev.acitrace.grpc.server;

import static dev.acitrace.testing.TestCalls.stream;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RPC metrics of the server interceptor, read with the SDK's in-memory metric reader: every call type, OK
 * and failed, both semantic-convention generations, unsampled calls, exemplars, {@code _OTHER} for a method
 * served by a fallback registry, nothing for a filtered method.
 */
class ServerMetricsTest {

  private final EchoService service = new EchoService("test.A");
  private InMemorySpanExporter spans;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private InMemoryMetricReader reader;
  private OpenTelemetrySdk sdk;

  private void sdk(Sampler sampler) {
    reader = InMemoryMetricReader.create(); // reader and exporter serve one SDK: closing it stops them
    spans = InMemorySpanExporter.create();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
        .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    service.close();
    if (sdk != null) {
      sdk.close();
    }
  }

  /** A traced server with {@code service} (and {@code fallback}, may be null); a plain channel to it. */
  private ManagedChannel start(Map<String, String> config, UnaryOperator<GrpcServerTracing.Builder> configure,
      HandlerRegistry fallback) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor()
        .addService(service.definition());
    if (fallback != null) {
      builder.fallbackHandlerRegistry(fallback);
    }
    GrpcServerTracing tracing = configure.apply(GrpcServerTracing.builder(sdk).config(TracingConfig.of(config))
        .enrichers(List.of())).build();
    servers.add(tracing.applyTo(builder).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  /**
   * Waits until {@code calls} calls were recorded: the server side ends a call (span, then metrics) on its
   * own callback, which the client's blocking call need not wait for.
   */
  private void awaitCalls(long calls) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (recordedCalls() < calls && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(recordedCalls()).as("calls recorded").isEqualTo(calls);
  }

  private long recordedCalls() {
    return count(metrics().get("rpc.server.call.duration")) + count(metrics().get("rpc.server.duration"));
  }

  private static long count(MetricData duration) {
    return duration == null ? 0
        : duration.getHistogramData().getPoints().stream().mapToLong(p -> p.getCount()).sum();
  }

  /**
   * The new-conventions duration from the first collection that holds {@code calls} calls: exemplars are
   * handed out once, by the collection after their measurement, so waiting must not collect them away.
   */
  private MetricData awaitCallDuration(long calls) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      MetricData duration = metrics().get("rpc.server.call.duration");
      if (count(duration) >= calls) {
        return duration;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no " + calls + " calls recorded in time");
  }

  private Map<String, MetricData> metrics() {
    return reader.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }

  private void callEveryTypeOkAndFailed(ManagedChannel channel) throws Exception {
    for (String request : List.of("ok", "internal")) {
      try {
        ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, request);
      } catch (StatusRuntimeException expected) {
        assertThat(request).isEqualTo("internal");
      }
      try {
        ClientCalls.blockingServerStreamingCall(channel, service.serverStreaming, CallOptions.DEFAULT, request)
            .forEachRemaining(response -> {});
      } catch (StatusRuntimeException expected) {
        assertThat(request).isEqualTo("internal");
      }
      for (MethodDescriptor<String, String> method : List.of(service.clientStreaming, service.bidi)) {
        Throwable failure = stream(channel, method, request, "two");
        assertThat(failure == null).isEqualTo(request.equals("ok"));
      }
    }
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "fail"))
        .isInstanceOf(StatusRuntimeException.class);
  }


  private static Attributes newAttributes(String method, String code, boolean error) {
    var builder = Attributes.builder().put("rpc.system.name", "grpc").put("rpc.method", "test.A/" + method)
        .put("rpc.response.status_code", code);
    if (error) {
      builder.put("error.type", code);
    }
    return builder.build();
  }

  private static Attributes oldAttributes(String method, long code) {
    return Attributes.builder().put("rpc.system", "grpc").put("rpc.service", "test.A").put("rpc.method", method)
        .put("rpc.grpc.status_code", code).build();
  }

  @Test
  void newConventions_everyCallType_okAndFailed_errorTypeOnlyForServerFaults() throws Exception {
    sdk(Sampler.alwaysOn());
    callEveryTypeOkAndFailed(start(Map.of("otel.semconv-stability.opt-in", "rpc"), b -> b, null));
    awaitCalls(9);

    Map<String, MetricData> metrics = metrics();
    assertThat(metrics.keySet()).containsExactly("rpc.server.call.duration");
    assertThat(metrics.get("rpc.server.call.duration")).hasUnit("s").hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(newAttributes("Unary", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Unary", "INTERNAL", true)).hasCount(1),
        // NOT_FOUND is the caller's mistake: not a server error (the conventions' rule), so no error.type
        p -> p.hasAttributes(newAttributes("Unary", "NOT_FOUND", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ServerStream", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ServerStream", "INTERNAL", true)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ClientStream", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("ClientStream", "INTERNAL", true)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Bidi", "OK", false)).hasCount(1),
        p -> p.hasAttributes(newAttributes("Bidi", "INTERNAL", true)).hasCount(1)));
  }

  @Test
  void oldConventions_everyCallType_durationInMs_andMessagesPerRpc() throws Exception {
    sdk(Sampler.alwaysOn());
    callEveryTypeOkAndFailed(start(Map.of(), b -> b, null));
    awaitCalls(9);

    Map<String, MetricData> metrics = metrics();
    assertThat(metrics.keySet()).containsExactlyInAnyOrder("rpc.server.duration", "rpc.server.requests_per_rpc",
        "rpc.server.responses_per_rpc");
    assertThat(metrics.get("rpc.server.duration")).hasUnit("ms").hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(oldAttributes("Unary", 0)), p -> p.hasAttributes(oldAttributes("Unary", 13)),
        p -> p.hasAttributes(oldAttributes("Unary", 5)),
        p -> p.hasAttributes(oldAttributes("ServerStream", 0)), p -> p.hasAttributes(oldAttributes("ServerStream", 13)),
        p -> p.hasAttributes(oldAttributes("ClientStream", 0)), p -> p.hasAttributes(oldAttributes("ClientStream", 13)),
        p -> p.hasAttributes(oldAttributes("Bidi", 0)), p -> p.hasAttributes(oldAttributes("Bidi", 13))));
    assertThat(metrics.get("rpc.server.requests_per_rpc")).hasUnit("{count}").hasHistogramSatisfying(
        h -> h.hasPointsSatisfying(
            p -> p.hasAttributes(oldAttributes("Unary", 0)).hasSum(1),
            p -> p.hasAttributes(oldAttributes("Unary", 13)).hasSum(1),
            p -> p.hasAttributes(oldAttributes("Unary", 5)).hasSum(1),
            p -> p.hasAttributes(oldAttributes("ServerStream", 0)).hasSum(1),
            p -> p.hasAttributes(oldAttributes("ServerStream", 13)).hasSum(1),
            p -> p.hasAttributes(oldAttributes("ClientStream", 0)).hasSum(2),
            p -> p.hasAttributes(oldAttributes("ClientStream", 13)).hasCount(1),
            p -> p.hasAttributes(oldAttributes("Bidi", 0)).hasSum(2),
            p -> p.hasAttributes(oldAttributes("Bidi", 13)).hasCount(1)));
    assertThat(metrics.get("rpc.server.responses_per_rpc")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(oldAttributes("Unary", 0)).hasSum(1),
        p -> p.hasAttributes(oldAttributes("Unary", 13)).hasSum(0),
        p -> p.hasAttributes(oldAttributes("Unary", 5)).hasSum(0),
        p -> p.hasAttributes(oldAttributes("ServerStream", 0)).hasSum(3),
        p -> p.hasAttributes(oldAttributes("ServerStream", 13)).hasSum(0),
        p -> p.hasAttributes(oldAttributes("ClientStream", 0)).hasSum(1),
        p -> p.hasAttributes(oldAttributes("ClientStream", 13)).hasSum(0),
        p -> p.hasAttributes(oldAttributes("Bidi", 0)).hasSum(2),
        p -> p.hasAttributes(oldAttributes("Bidi", 13)).hasSum(0)));
  }

  @Test
  void sampledCall_exemplarPointsAtTheServerSpan_unsampledCallsRecordedWithout() throws Exception {
    sdk(Sampler.traceIdRatioBased(0.0)); // local roots unsampled...
    ManagedChannel channel = start(Map.of("otel.semconv-stability.opt-in", "rpc"), b -> b, null);
    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    assertThat(awaitCallDuration(1)).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(1).hasExemplars()));
    sdk.close();
    sdk(Sampler.alwaysOn()); // ... and sampled
    channel = start(Map.of("otel.semconv-stability.opt-in", "rpc"), b -> b, null);
    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    MetricData duration = awaitCallDuration(1);
    SpanData server = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == io.opentelemetry.api.trace.SpanKind.SERVER).findFirst().orElseThrow();
    assertThat(duration).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(1).hasExemplarsSatisfying(e -> e.hasTraceId(server.getTraceId()).hasSpanId(server.getSpanId()))));
  }

  @Test
  void methodFromAFallbackRegistry_isRecordedAsOther() throws Exception {
    sdk(Sampler.alwaysOn());
    // a registry that serves any method name a caller invents, with a descriptor made up on the spot
    HandlerRegistry anything = new HandlerRegistry() {
      @Override
      public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        MethodDescriptor<String, String> made = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(methodName)
            .setRequestMarshaller(EchoService.STRING).setResponseMarshaller(EchoService.STRING).build();
        return ServerMethodDefinition.create(made, ServerCalls.asyncUnaryCall(
            (String request, StreamObserver<String> out) -> {
              out.onNext("any");
              out.onCompleted();
            }));
      }
    };
    ManagedChannel channel = start(Map.of("otel.semconv-stability.opt-in", "rpc/dup"), b -> b, anything);
    for (String invented : List.of("scan.X/a1", "scan.X/b2", "scan.Y/c3")) {
      ClientCalls.blockingUnaryCall(channel, EchoService.unaryOf("ignored").toBuilder().setFullMethodName(invented)
          .setSampledToLocalTracing(false).build(), CallOptions.DEFAULT, "x");
    }
    awaitCallDuration(3); // dup: each call is in both generations' instruments
    Map<String, MetricData> metrics = metrics();
    assertThat(metrics.get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(3).hasAttribute(stringKey("rpc.method"), "_OTHER")));
    assertThat(metrics.get("rpc.server.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(3).hasAttribute(stringKey("rpc.method"), "_OTHER").hasAttribute(stringKey("rpc.service"), "_OTHER")));
  }

  @Test
  void filteredMethod_recordsNothing_publicEndpointStillRecords() throws Exception {
    sdk(Sampler.alwaysOn());
    ManagedChannel channel = start(Map.of(), b -> b.methodFilter(m -> !m.method().equals("Unary"))
        .publicEndpoint(List.of()), null);
    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    ClientCalls.blockingServerStreamingCall(channel, service.serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    awaitCalls(1); // the streaming call only: the filtered unary call recorded nothing
    assertThat(metrics().get("rpc.server.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(oldAttributes("ServerStream", 0))));
  }
}
