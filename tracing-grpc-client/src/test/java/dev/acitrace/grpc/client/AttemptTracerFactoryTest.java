package dev.acitrace.grpc.client;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.grpc.internal.GrpcMetadata;
import dev.acitrace.grpc.internal.TracedCall;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AttemptTracerFactoryTest {

  private static final AttributeKey<Long> PREVIOUS = AttributeKey.longKey("previous-rpc-attempts");
  private static final AttributeKey<Boolean> TRANSPARENT = AttributeKey.booleanKey("transparent-retry");

  private final TestService service = new TestService();
  private final TestTelemetry telemetry = new TestTelemetry();
  private final List<ManagedChannel> channels = new ArrayList<>();
  /** The stream tracer factories on each call's options, as the channel below our interceptor sees them. */
  private final List<List<ClientStreamTracer.Factory>> factories = new CopyOnWriteArrayList<>();
  private Server server;
  private String serverName;

  @BeforeEach
  void start() throws Exception {
    serverName = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(serverName).directExecutor().addService(service.definition())
        .build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    telemetry.assertEachSpanEndedExactlyOnce();
    service.released.countDown();
    TestCalls.stopAll(channels, List.of(server));
    telemetry.close();
  }

  private final ClientInterceptor recordFactories = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
      factories.add(callOptions.getStreamTracerFactories());
      return next.newCall(method, callOptions);
    }
  };

  private ManagedChannel channel(GrpcClientTracing.Builder tracing, ClientInterceptor inner) {
    // interceptors added first run last: `inner` sees the call options our interceptor made
    ManagedChannel channel = tracing.build()
        .applyTo(InProcessChannelBuilder.forName(serverName).directExecutor().intercept(inner)).build();
    channels.add(channel);
    return channel;
  }

  private GrpcClientTracing.Builder tracing(Map<String, String> config) {
    return GrpcClientTracing.builder(telemetry.otel).config(TracingConfig.of(config))
        .spanNamer(SpanNamer.DEFAULT).enrichers(List.of());
  }

  @Test
  void default_addsNoStreamTracer_andInjectsOnceAtTheCall() throws Exception {
    ManagedChannel channel = channel(tracing(Map.of()), recordFactories);

    ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");

    assertThat(factories).hasSize(1);
    assertThat(factories.get(0)).isEmpty();
    assertThat(telemetry.awaitSpans(1)).hasSize(1);
  }

  @Test
  void configurationKey_turnsAttemptSpansOn_andTheBuilderOverridesIt() throws Exception {
    ManagedChannel on = channel(tracing(Map.of(GrpcClientTracing.ATTEMPT_SPANS_KEY, "true")), recordFactories);
    ClientCalls.blockingUnaryCall(on, TestService.UNARY, CallOptions.DEFAULT, "ok");
    assertThat(factories.get(0)).hasAtLeastOneElementOfType(AttemptTracerFactory.class);
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData call = spans.stream().filter(s -> s.getAttributes().get(PREVIOUS) == null).findFirst().orElseThrow();
    SpanData attempt = spans.stream().filter(s -> s.getAttributes().get(PREVIOUS) != null).findFirst().orElseThrow();
    assertThat(attempt).hasParent(call).hasKind(SpanKind.CLIENT).hasAttribute(PREVIOUS, 0L)
        .hasAttribute(TRANSPARENT, false).hasAttribute(AttributeKey.stringKey("server.address"), "localhost");
    assertThat(call).hasKind(SpanKind.CLIENT).hasNoParent();

    ManagedChannel off = channel(
        tracing(Map.of(GrpcClientTracing.ATTEMPT_SPANS_KEY, "true")).attemptSpans(false), recordFactories);
    ClientCalls.blockingUnaryCall(off, TestService.UNARY, CallOptions.DEFAULT, "ok");
    assertThat(factories.get(1)).isEmpty();
  }

  @Test
  void streamingCall_oneAttemptSpan_endsWithTheStatus() throws Exception {
    ManagedChannel channel = channel(tracing(Map.of()).attemptSpans(true), recordFactories);

    Iterator<String> replies = ClientCalls.blockingServerStreamingCall(
        channel, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "fail");
    try {
      replies.hasNext();
    } catch (RuntimeException expected) {
      // NOT_FOUND
    }

    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData attempt = spans.stream().filter(s -> s.getAttributes().get(PREVIOUS) != null).findFirst().orElseThrow();
    assertThat(attempt).hasAttribute(AttributeKey.longKey("rpc.grpc.status_code"),
        (long) Status.Code.NOT_FOUND.value());
    assertThat(attempt.getStatus().getDescription()).isEqualTo("no such thing");
  }

  /**
   * A transparent retry (the previous attempt never left the client, or the server refused the stream)
   * cannot be provoked deterministically here: the in-process transport reports every stream as
   * processed. gRPC's report of one is a StreamInfo flag; this drives the factory with it, as gRPC would.
   */
  @Test
  void transparentRetry_asGrpcReportsIt_isMarkedOnTheAttempt_andInjectedIntoItsHeaders() throws Exception {
    List<Metadata> attemptHeaders = new CopyOnWriteArrayList<>();
    ClientInterceptor secondAttempt = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(listener, headers);
            for (ClientStreamTracer.Factory factory : callOptions.getStreamTracerFactories()) {
              ClientStreamTracer tracer = factory.newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder()
                  .setCallOptions(callOptions).setPreviousAttempts(1).setIsTransparentRetry(true).build(),
                  new Metadata());
              Metadata retryHeaders = new Metadata();
              tracer.streamCreated(io.grpc.Attributes.EMPTY, retryHeaders);
              attemptHeaders.add(retryHeaders);
              tracer.streamClosed(Status.OK);
              tracer.streamClosed(Status.INTERNAL); // gRPC closes once; a second close changes nothing
            }
          }
        };
      }
    };
    ManagedChannel channel = channel(tracing(Map.of()).attemptSpans(true), secondAttempt);

    ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");

    List<SpanData> spans = telemetry.awaitSpans(3);
    SpanData transparent = spans.stream().filter(s -> Boolean.TRUE.equals(s.getAttributes().get(TRANSPARENT)))
        .findFirst().orElseThrow();
    assertThat(transparent).hasAttribute(PREVIOUS, 1L)
        .hasAttribute(AttributeKey.longKey("rpc.grpc.status_code"), 0L);
    assertThat(attemptHeaders).hasSize(1);
    assertThat(attemptHeaders.get(0).get(GrpcMetadata.asciiKey("traceparent")))
        .contains(transparent.getSpanId());
  }

  @Test
  void expiredDeadline_attemptThatNeverReachedATransport_stillEnds() throws Exception {
    ManagedChannel channel = channel(tracing(Map.of()).attemptSpans(true), recordFactories);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel,
        TestService.UNARY, CallOptions.DEFAULT.withDeadlineAfter(-1, TimeUnit.SECONDS), "ok"))
        .isInstanceOf(io.grpc.StatusRuntimeException.class);

    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData attempt = spans.stream().filter(s -> s.getAttributes().get(PREVIOUS) != null).findFirst().orElseThrow();
    assertThat(attempt).hasAttribute(AttributeKey.longKey("rpc.grpc.status_code"),
        (long) Status.Code.DEADLINE_EXCEEDED.value());
  }

  @Test
  void factory_notBoundToAChannel_givesANoopTracer() {
    GrpcClientTracing tracing = tracing(Map.of()).build();
    TracingClientInterceptor interceptor = (TracingClientInterceptor) tracing.newInterceptor();
    TracedCall call = interceptor.instrumenter.newCall(
        interceptor.instrumenter.method(TestService.UNARY), io.opentelemetry.context.Context.root());
    AttemptTracerFactory factory = new AttemptTracerFactory(call);

    ClientStreamTracer tracer = factory.newClientStreamTracer(
        ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
    Metadata headers = new Metadata();
    tracer.streamCreated(io.grpc.Attributes.EMPTY, headers);
    tracer.streamClosed(Status.OK);
    assertThat(headers.keys()).isEmpty();
    assertThat(telemetry.exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void noopOpenTelemetry_attemptSpansOn_baggageStillTravels() throws Exception {
    List<Metadata> sent = new CopyOnWriteArrayList<>();
    ClientInterceptor wire = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        // a stream tracer after ours sees the headers as the attempt sends them
        return next.newCall(method, callOptions.withStreamTracerFactory(new ClientStreamTracer.Factory() {
          @Override
          public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
            return new ClientStreamTracer() {
              @Override
              public void streamCreated(io.grpc.Attributes attributes, Metadata attemptHeaders) {
                sent.add(attemptHeaders);
              }
            };
          }
        }));
      }
    };
    io.opentelemetry.api.OpenTelemetry noop = io.opentelemetry.api.OpenTelemetry.propagating(
        io.opentelemetry.context.propagation.ContextPropagators.create(
            io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator.getInstance()));
    ManagedChannel channel = channel(GrpcClientTracing.builder(noop).config(TracingConfig.of(Map.of()))
        .spanNamer(SpanNamer.DEFAULT).enrichers(List.of()).attemptSpans(true), wire);

    try (io.opentelemetry.context.Scope ignored =
        io.opentelemetry.api.baggage.Baggage.builder().put("user.id", "u1").build().makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, "ok");
    }

    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).get(GrpcMetadata.asciiKey("baggage"))).isEqualTo("user.id=u1");
  }
}
