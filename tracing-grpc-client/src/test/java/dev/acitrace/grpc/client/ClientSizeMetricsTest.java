package dev.acitrace.grpc.client;

import static dev.acitrace.testing.TestCalls.stream;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The old conventions' {@code rpc.client.request.size} / {@code rpc.client.response.size}, measured by the
 * client's stream tracer over a real (Netty, loopback) transport: in-process transports report no sizes.
 * Messages are UTF-8 strings, so each message's uncompressed size is its length; a call records the sum of
 * its messages in each direction, with the attributes of {@code rpc.client.duration}.
 */
class ClientSizeMetricsTest {

  private final TestService service = new TestService();
  private final AtomicInteger flakyCalls = new AtomicInteger();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private InMemoryMetricReader reader;
  private OpenTelemetrySdk sdk;
  private Server server;

  /** Fails its first call UNAVAILABLE, answers {@code echo:<request>} afterwards. */
  static final MethodDescriptor<String, String> FLAKY = TestService.method("Flaky", MethodDescriptor.MethodType.UNARY)
      .toBuilder().setFullMethodName("test.Retry/Flaky").build();

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition flaky = ServerServiceDefinition.builder("test.Retry")
        .addMethod(FLAKY, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {
          if (flakyCalls.getAndIncrement() == 0) {
            out.onError(Status.UNAVAILABLE.asRuntimeException());
          } else {
            out.onNext("echo:" + request);
            out.onCompleted();
          }
        }))
        .build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service.definition()).addService(flaky).build().start();
    reader = InMemoryMetricReader.create();
    sdk = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    service.released.countDown();
    TestCalls.stopAll(channels, List.of(server));
    sdk.close();
  }

  private ManagedChannel channel(GrpcClientTracing.Builder builder) {
    NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext();
    ManagedChannel channel = builder.target("dns:///echo.example:8443").build().applyTo(channelBuilder).build();
    channels.add(channel);
    return channel;
  }

  private GrpcClientTracing.Builder tracing(Map<String, String> config) {
    return GrpcClientTracing.builder(sdk).config(TracingConfig.of(config)).enrichers(List.of());
  }

  private Map<String, MetricData> metrics() {
    return reader.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }

  private static Attributes attributes(String method, long code) {
    return attributes("test.Echo", method, code);
  }

  private static Attributes attributes(String service, String method, long code) {
    return Attributes.builder().put("rpc.system", "grpc").put("rpc.service", service).put("rpc.method", method)
        .put("rpc.grpc.status_code", code).put("server.address", "echo.example").put("server.port", 8443L).build();
  }

  /** The points of {@code metric}: attributes to "count x sum". */
  private static Map<Attributes, String> points(MetricData metric) {
    assertThat(metric).as("metric").isNotNull();
    assertThat(metric).hasUnit("By");
    return metric.getHistogramData().getPoints().stream().collect(Collectors.toMap(HistogramPointData::getAttributes,
        p -> p.getCount() + "x" + (long) p.getSum()));
  }

  private static Map<Attributes, Long> durationCounts(MetricData duration) {
    return duration.getHistogramData().getPoints().stream()
        .collect(Collectors.toMap(HistogramPointData::getAttributes, HistogramPointData::getCount));
  }


  @Test
  void oldConventions_everyCallType_okAndFailed_sizesSummedPerCall_withTheDurationsAttributes() throws Exception {
    TestService.callEveryTypeOkAndFailed(channel(tracing(Map.of())));

    Map<String, MetricData> metrics = metrics();
    // requests: "ok" 2 bytes, "fail" 4, "ok"+"two" 5; responses: "echo:ok" 7, "a"+"b"+"c" 3, "ok,two" 6,
    // "echo:ok"+"echo:two" 15; a failed call got no response message: no response size
    assertThat(points(metrics.get("rpc.client.request.size"))).isEqualTo(Map.of(
        attributes("Unary", 0), "1x2", attributes("Unary", 5), "1x4",
        attributes("ServerStream", 0), "1x2", attributes("ServerStream", 5), "1x4",
        attributes("ClientStream", 0), "1x5", attributes("ClientStream", 5), "1x4",
        attributes("Bidi", 0), "1x5", attributes("Bidi", 5), "1x4"));
    assertThat(points(metrics.get("rpc.client.response.size"))).isEqualTo(Map.of(
        attributes("Unary", 0), "1x7", attributes("ServerStream", 0), "1x3",
        attributes("ClientStream", 0), "1x6", attributes("Bidi", 0), "1x15"));
    // the same attribute sets as the duration: one series per method and status
    assertThat(durationCounts(metrics.get("rpc.client.duration")).keySet())
        .isEqualTo(points(metrics.get("rpc.client.request.size")).keySet());
  }

  @Test
  void sizes_onlyInTheOldConventions_recordedWithRpcDup_notWithRpc() throws Exception {
    ManagedChannel dup = channel(tracing(Map.of("otel.semconv-stability.opt-in", "rpc/dup")));
    ClientCalls.blockingUnaryCall(dup, TestService.UNARY, CallOptions.DEFAULT, "ok");
    Map<String, MetricData> metrics = metrics();
    assertThat(points(metrics.get("rpc.client.request.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x2"));
    assertThat(points(metrics.get("rpc.client.response.size"))).isEqualTo(Map.of(attributes("Unary", 0), "1x7"));
    assertThat(metrics).containsKey("rpc.client.call.duration");

    sdk.close();
    reader = InMemoryMetricReader.create();
    sdk = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    ManagedChannel newOnly = channel(tracing(Map.of("otel.semconv-stability.opt-in", "rpc")));
    ClientCalls.blockingUnaryCall(newOnly, TestService.UNARY, CallOptions.DEFAULT, "ok");
    ClientCalls.blockingServerStreamingCall(newOnly, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    // the new conventions define no size metrics
    assertThat(metrics().keySet()).containsExactly("rpc.client.call.duration");
  }

  @Test
  void filteredMethod_recordsNoSizes_otherMethodsDo() throws Exception {
    ManagedChannel channel = channel(tracing(Map.of()).methodFilter(m -> !m.method().equals("Unary")));
    ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");
    assertThat(reader.collectAllMetrics()).isEmpty();
    ClientCalls.blockingServerStreamingCall(channel, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    Map<String, MetricData> metrics = metrics();
    assertThat(points(metrics.get("rpc.client.request.size"))).isEqualTo(Map.of(attributes("ServerStream", 0), "1x2"));
    assertThat(points(metrics.get("rpc.client.response.size")))
        .isEqualTo(Map.of(attributes("ServerStream", 0), "1x3"));
  }

  @Test
  void retriedCall_countsItsMessagesOnce_notOncePerAttempt() throws Exception {
    Map<String, Object> retryPolicy = Map.of("maxAttempts", 2.0, "initialBackoff", "0.01s", "maxBackoff", "0.01s",
        "backoffMultiplier", 1.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
    Map<String, Object> serviceConfig = Map.of("methodConfig", List.of(Map.of(
        "name", List.of(Map.of("service", "test.Retry", "method", "Flaky")), "retryPolicy", retryPolicy)));
    NettyChannelBuilder channelBuilder = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .defaultServiceConfig(serviceConfig).enableRetry();
    ManagedChannel channel = tracing(Map.of()).target("dns:///echo.example:8443").build().applyTo(channelBuilder)
        .build();
    channels.add(channel);

    assertThat(ClientCalls.blockingUnaryCall(channel, FLAKY, CallOptions.DEFAULT, "hello")).isEqualTo("echo:hello");

    assertThat(flakyCalls).as("attempts that reached the server").hasValue(2);
    Map<String, MetricData> metrics = metrics();
    // "hello" went out twice, once per attempt; the call sent it once
    assertThat(points(metrics.get("rpc.client.request.size"))).isEqualTo(Map.of(attributes("test.Retry", "Flaky", 0), "1x5"));
    assertThat(points(metrics.get("rpc.client.response.size"))).isEqualTo(Map.of(attributes("test.Retry", "Flaky", 0), "1x10"));
  }
}
