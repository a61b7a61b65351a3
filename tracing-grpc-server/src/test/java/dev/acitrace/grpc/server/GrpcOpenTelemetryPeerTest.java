package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.GrpcTraceBinPropagator;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.grpc.opentelemetry.GrpcTraceBinContextPropagator;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * acitrace against gRPC's own OpenTelemetry module ({@code io.grpc:grpc-opentelemetry}, gRFC A72), in both
 * directions, with W3C trace context and with {@code grpc-trace-bin}: one trace, correct parents.
 *
 * <p>gRPC's tracing is experimental and read once, when {@code GrpcOpenTelemetry} is initialized, from the
 * environment variable {@code GRPC_EXPERIMENTAL_ENABLE_OTEL_TRACING} (or the system property of that name).
 * The build runs this class alone in its own surefire execution ({@code grpc-opentelemetry-peer}) with the
 * variable set, so no other test shares a JVM where gRPC traces.
 */
class GrpcOpenTelemetryPeerTest {

  /** How the trace context travels between the two sides. */
  enum Propagation {
    W3C(W3CTraceContextPropagator.getInstance(), W3CTraceContextPropagator.getInstance(), "traceparent"),
    GRPC_TRACE_BIN(GrpcTraceBinContextPropagator.defaultInstance(), GrpcTraceBinPropagator.getInstance(),
        "grpc-trace-bin");

    final TextMapPropagator theirs;
    final TextMapPropagator ours;
    final String header;

    Propagation(TextMapPropagator theirs, TextMapPropagator ours, String header) {
      this.theirs = theirs;
      this.ours = ours;
      this.header = header;
    }
  }

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final EchoService service = new EchoService("test.A");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  /** Names of the request headers the server received. */
  private final List<String> headerNames = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    service.close();
    tracerProvider.close();
  }

  /** gRPC's side: the SDK with gRPC's propagator. */
  private OpenTelemetrySdk theirs(Propagation propagation) {
    return OpenTelemetrySdk.builder().setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(propagation.theirs)).build();
  }

  /** Our side: the same tracer provider, with our propagator. */
  private OpenTelemetry ours(Propagation propagation) {
    ContextPropagators propagators = ContextPropagators.create(propagation.ours);
    return new OpenTelemetry() {
      @Override
      public TracerProvider getTracerProvider() {
        return tracerProvider;
      }

      @Override
      public ContextPropagators getPropagators() {
        return propagators;
      }
    };
  }

  private final ServerInterceptor recordHeaders = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      headerNames.addAll(headers.keys());
      return next.startCall(call, headers);
    }
  };

  private List<SpanData> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (exporter.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).as("finished spans").hasSize(count);
    return spans;
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
  }

  @Test
  void grpcTracing_isOn() {
    // Without the variable gRPC adds no tracing at all, and every test below would fail for that reason.
    assertThat(System.getenv("GRPC_EXPERIMENTAL_ENABLE_OTEL_TRACING")).isEqualTo("true");
    // on the module path like the other tests: gRPC's jar, which our module does not require, is read
    // from the classpath (surefire lets the patched test module read the unnamed module)
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.grpc.server");
    assertThat(GrpcOpenTelemetry.class.getModule().isNamed()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Propagation.class)
  void theirClient_ourServer_serverSpanIsTheChildOfTheirAttemptSpan(Propagation propagation) throws Exception {
    String name = InProcessServerBuilder.generateName();
    GrpcServerTracing ours = GrpcServerTracing.builder(ours(propagation))
        .config(TracingConfig.of(Map.of())).enrichers(List.of()).noRequestIds().build();
    servers.add(InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service.definition(), ours.newInterceptor(), recordHeaders))
        .build().start());
    InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name).directExecutor();
    GrpcOpenTelemetry.newBuilder().sdk(theirs(propagation)).build().configureChannelBuilder(channelBuilder);
    ManagedChannel channel = channelBuilder.build();
    channels.add(channel);

    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");

    List<SpanData> spans = awaitSpans(3);
    SpanData call = named(spans, "Sent.test.A.Unary");
    SpanData attempt = named(spans, "Attempt.test.A.Unary");
    SpanData server = named(spans, "test.A/Unary");
    assertThat(attempt).hasParent(call);
    assertThat(server).hasKind(SpanKind.SERVER).hasParent(attempt);
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(call.getTraceId());
    assertThat(service.seen.get(0).span().getSpanId()).isEqualTo(server.getSpanId());
    assertThat(headerNames).contains(propagation.header);
  }

  @ParameterizedTest
  @EnumSource(Propagation.class)
  void ourClient_theirServer_theirServerSpanIsTheChildOfOurClientSpan(Propagation propagation)
      throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder serverBuilder = InProcessServerBuilder.forName(name).directExecutor();
    GrpcOpenTelemetry.newBuilder().sdk(theirs(propagation)).build().configureServerBuilder(serverBuilder);
    servers.add(serverBuilder.addService(ServerInterceptors.intercept(service.definition(), recordHeaders))
        .build().start());
    GrpcClientTracing ours = GrpcClientTracing.builder(ours(propagation))
        .config(TracingConfig.of(Map.of())).enrichers(List.of()).build();
    ManagedChannel channel = ours.applyTo(InProcessChannelBuilder.forName(name).directExecutor()).build();
    channels.add(channel);

    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");

    List<SpanData> spans = awaitSpans(2);
    SpanData client = named(spans, "test.A/Unary");
    SpanData server = named(spans, "Recv.test.A.Unary");
    assertThat(client).hasKind(SpanKind.CLIENT).hasNoParent();
    assertThat(server).hasParent(client);
    assertThat(service.seen.get(0).span().getSpanId()).isEqualTo(server.getSpanId());
    assertThat(headerNames).contains(propagation.header);
  }

  @ParameterizedTest
  @EnumSource(Propagation.class)
  void ourClientWithAttemptSpans_theirServer_theirServerSpanIsTheChildOfOurAttemptSpan(Propagation propagation)
      throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder serverBuilder = InProcessServerBuilder.forName(name).directExecutor();
    GrpcOpenTelemetry.newBuilder().sdk(theirs(propagation)).build().configureServerBuilder(serverBuilder);
    servers.add(serverBuilder.addService(service.definition()).build().start());
    GrpcClientTracing ours = GrpcClientTracing.builder(ours(propagation))
        .config(TracingConfig.of(Map.of())).enrichers(List.of()).attemptSpans(true).build();
    ManagedChannel channel = ours.applyTo(InProcessChannelBuilder.forName(name).directExecutor()).build();
    channels.add(channel);

    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");

    List<SpanData> spans = awaitSpans(3);
    SpanData call = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId()
        .equals(io.opentelemetry.api.trace.SpanId.getInvalid())).findFirst().orElseThrow();
    SpanData attempt = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && s != call).findFirst()
        .orElseThrow();
    assertThat(attempt).hasParent(call);
    assertThat(named(spans, "Recv.test.A.Unary")).hasParent(attempt);
  }
}
