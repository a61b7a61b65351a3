package dev.acitrace.grpc.server;

import static dev.acitrace.testing.TestCalls.stream;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The old conventions' {@code rpc.server.request.size} / {@code rpc.server.response.size}, measured by the
 * stream tracer {@link GrpcServerTracing#applyTo} installs, over a real (Netty, loopback) transport:
 * in-process transports report no sizes. Messages are UTF-8 strings, so each message's uncompressed size is
 * its length; a call records the sum of its messages in each direction, with the attributes of
 * {@code rpc.server.duration}.
 */
class ServerSizeMetricsTest {

  private final EchoService service = new EchoService("test.A");
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private InMemoryMetricReader reader;
  private OpenTelemetrySdk sdk;

  @BeforeEach
  void sdk() {
    reader = InMemoryMetricReader.create();
    sdk = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    service.close();
    sdk.close();
  }

  private GrpcServerTracing tracing(Map<String, String> config, UnaryOperator<GrpcServerTracing.Builder> configure) {
    return configure.apply(GrpcServerTracing.builder(sdk).config(TracingConfig.of(config)).enrichers(List.of()))
        .build();
  }

  /** A Netty server on loopback traced through {@code applyTo}; a plain channel to it. */
  private ManagedChannel start(GrpcServerTracing tracing) throws Exception {
    return start(tracing.applyTo(serverBuilder()));
  }

  private NettyServerBuilder serverBuilder() {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service.definition());
  }

  private ManagedChannel start(NettyServerBuilder builder) throws Exception {
    Server server = builder.build().start();
    servers.add(server);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private Map<String, MetricData> metrics() {
    return reader.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }

  /**
   * Runs {@code check} on freshly collected metrics until it passes (or fails after 5 s): the server ends a
   * call (span, then its measurements one after the other) on its own thread, which the client's call need
   * not wait for, so a collection may see a call's duration before its sizes.
   */
  private Map<String, MetricData> eventually(Consumer<Map<String, MetricData>> check) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      Map<String, MetricData> metrics = metrics();
      try {
        check.accept(metrics);
        return metrics;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }

  /** The metrics once {@code calls} calls have their {@code duration} recorded. */
  private Map<String, MetricData> awaitCalls(String duration, long calls) throws InterruptedException {
    return eventually(metrics -> assertThat(count(metrics.get(duration))).as("calls recorded").isEqualTo(calls));
  }

  private static long count(MetricData duration) {
    return duration == null ? 0
        : duration.getHistogramData().getPoints().stream().mapToLong(HistogramPointData::getCount).sum();
  }

  private static Attributes attributes(String method, long code) {
    return Attributes.builder().put("rpc.system", "grpc").put("rpc.service", "test.A").put("rpc.method", method)
        .put("rpc.grpc.status_code", code).build();
  }

  /** The points of {@code metric}: attributes to "count x sum". */
  private static Map<Attributes, String> points(MetricData metric) {
    assertThat(metric).as("metric").isNotNull();
    assertThat(metric).hasUnit("By");
    return metric.getHistogramData().getPoints().stream().collect(Collectors.toMap(HistogramPointData::getAttributes,
        p -> p.getCount() + "x" + (long) p.getSum()));
  }


  private void unary(ManagedChannel channel, String request) {
    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, request);
  }

  @Test
  void oldConventions_everyCallType_okAndFailed_sizesSummedPerCall_withTheDurationsAttributes() throws Exception {
    ManagedChannel channel = start(tracing(Map.of(), b -> b));
    TestCalls.everyTypeOkAndFailed(
        channel, service.unary, service.serverStreaming, service.clientStreaming, service.bidi);
    assertThatThrownBy(() -> unary(channel, "throw")).isInstanceOf(StatusRuntimeException.class);

    // requests: "ok" 2 bytes, "fail" 4, "throw" 5 (the handler threw: UNKNOWN), "ok"+"two" 5; responses:
    // "echo:ok" 7, "a"+"b"+"c" 3, "ok,two" 6, "echo:ok"+"echo:two" 15; a failed call sent no response
    // message: no response size
    eventually(metrics -> {
      assertThat(points(metrics.get("rpc.server.request.size"))).isEqualTo(Map.of(
          attributes("Unary", 0), "1x2", attributes("Unary", 5), "1x4", attributes("Unary", 2), "1x5",
          attributes("ServerStream", 0), "1x2", attributes("ServerStream", 5), "1x4",
          attributes("ClientStream", 0), "1x5", attributes("ClientStream", 5), "1x4",
          attributes("Bidi", 0), "1x5", attributes("Bidi", 5), "1x4"));
      assertThat(points(metrics.get("rpc.server.response.size"))).isEqualTo(Map.of(
          attributes("Unary", 0), "1x7", attributes("ServerStream", 0), "1x3",
          attributes("ClientStream", 0), "1x6", attributes("Bidi", 0), "1x15"));
      // the same attribute sets as the duration: one series per method and status
      assertThat(count(metrics.get("rpc.server.duration"))).isEqualTo(9);
      assertThat(metrics.get("rpc.server.duration").getHistogramData().getPoints().stream()
          .map(HistogramPointData::getAttributes).collect(Collectors.toSet()))
          .isEqualTo(points(metrics.get("rpc.server.request.size")).keySet());
    });
  }

  @Test
  void sizes_onlyInTheOldConventions_recordedWithRpcDup_notWithRpc() throws Exception {
    ManagedChannel dup = start(tracing(Map.of("otel.semconv-stability.opt-in", "rpc/dup"), b -> b));
    unary(dup, "ok");
    eventually(metrics -> {
      assertThat(points(metrics.get("rpc.server.request.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x2"));
      assertThat(points(metrics.get("rpc.server.response.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x7"));
      assertThat(metrics).containsKey("rpc.server.call.duration");
    });

    sdk.close();
    sdk();
    ManagedChannel newOnly = start(tracing(Map.of("otel.semconv-stability.opt-in", "rpc"), b -> b));
    unary(newOnly, "ok");
    ClientCalls.blockingServerStreamingCall(newOnly, service.serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    // the new conventions define no size metrics
    assertThat(awaitCalls("rpc.server.call.duration", 2).keySet()).containsExactly("rpc.server.call.duration");
  }

  @Test
  void filteredMethod_recordsNoSizes_otherMethodsDo() throws Exception {
    ManagedChannel channel = start(tracing(Map.of(), b -> b.methodFilter(m -> !m.method().equals("Unary"))));
    unary(channel, "ok");
    ClientCalls.blockingServerStreamingCall(channel, service.serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    eventually(metrics -> {
      assertThat(points(metrics.get("rpc.server.request.size"))).isEqualTo(Map.of(attributes("ServerStream", 0), "1x2"));
      assertThat(points(metrics.get("rpc.server.response.size")))
          .isEqualTo(Map.of(attributes("ServerStream", 0), "1x3"));
      assertThat(count(metrics.get("rpc.server.duration"))).isEqualTo(1);
    });
  }

  @Test
  void interceptorAlone_recordsNoSizes_applyToDoes() throws Exception {
    GrpcServerTracing tracing = tracing(Map.of(), b -> b);
    ManagedChannel applied = start(tracing);
    ManagedChannel interceptorOnly = start(serverBuilder().intercept(tracing.newInterceptor()));
    unary(applied, "ok");
    unary(interceptorOnly, "ok");
    // two calls of the same method and status, sizes from the one through applyTo only
    eventually(metrics -> {
      assertThat(count(metrics.get("rpc.server.duration"))).isEqualTo(2);
      assertThat(points(metrics.get("rpc.server.request.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x2"));
      assertThat(points(metrics.get("rpc.server.response.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x7"));
    });
  }
}
