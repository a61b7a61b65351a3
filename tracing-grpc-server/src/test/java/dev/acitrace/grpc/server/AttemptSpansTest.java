package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.grpc.internal.GrpcMetadata;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.inprocess.InProcessSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Attempt spans with grpc-java's real retry and hedging machinery (service-config policies on an
 * in-process channel: retries are transport-independent in grpc-java), traced on both sides.
 */
class AttemptSpansTest {

  private static final AttributeKey<Long> PREVIOUS = AttributeKey.longKey("previous-rpc-attempts");
  private static final AttributeKey<Boolean> TRANSPARENT = AttributeKey.booleanKey("transparent-retry");
  private static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  private static final String SERVICE = "test.Retry";
  private static final MethodDescriptor<String, String> UNARY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Unary"))
      .setRequestMarshaller(EchoService.STRING)
      .setResponseMarshaller(EchoService.STRING)
      .build();

  private final TestTelemetry telemetry = new TestTelemetry();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  /** traceparent values of each request the server received, one list per request. */
  private final List<List<String>> traceparents = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() throws InterruptedException {
    telemetry.assertEachSpanEndedExactlyOnce();
    TestCalls.stopAll(channels, servers);
    scheduler.shutdownNow();
    telemetry.close();
  }

  /**
   * A traced server whose n-th request (from 0) does what {@code behaviour} says: "fail" (UNAVAILABLE),
   * "hang" (never answers) or anything else (answers).
   */
  private String server(String... behaviour) throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, out) -> {
          int n = calls.getAndIncrement();
          String what = n < behaviour.length ? behaviour[n] : "ok";
          if (what.equals("fail")) {
            out.onError(Status.UNAVAILABLE.withDescription("attempt " + n + " refused").asRuntimeException());
          } else if (!what.equals("hang")) {
            out.onNext("ok " + n);
            out.onCompleted();
          }
        }))
        .build();
    ServerInterceptor recordTraceparent = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        Iterable<String> all = headers.getAll(GrpcMetadata.asciiKey("traceparent"));
        List<String> values = new ArrayList<>();
        if (all != null) {
          all.forEach(values::add);
        }
        traceparents.add(values);
        return next.startCall(call, headers);
      }
    };
    GrpcServerTracing tracing = GrpcServerTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of())).spanNamer(SpanNamer.DEFAULT).enrichers(List.of()).noRequestIds().build();
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, recordTraceparent, tracing.newInterceptor()))
        .build().start());
    return name;
  }

  private static Map<String, Object> retryConfig() {
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", 3.0,
        "initialBackoff", "0.001s",
        "maxBackoff", "0.001s",
        "backoffMultiplier", 1.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    return Map.of("methodConfig", List.of(Map.of(
        "name", List.of(Map.of("service", SERVICE)), "retryPolicy", retryPolicy)));
  }

  private static Map<String, Object> hedgingConfig() {
    Map<String, Object> hedgingPolicy = Map.of(
        "maxAttempts", 2.0,
        "hedgingDelay", "0.1s",
        "nonFatalStatusCodes", List.of("UNAVAILABLE"));
    return Map.of("methodConfig", List.of(Map.of(
        "name", List.of(Map.of("service", SERVICE)), "hedgingPolicy", hedgingPolicy)));
  }

  private ManagedChannel channel(InProcessChannelBuilder builder, Map<String, Object> serviceConfig,
      boolean attemptSpans) {
    GrpcClientTracing tracing = GrpcClientTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of())).spanNamer(SpanNamer.DEFAULT).enrichers(List.of()).attemptSpans(attemptSpans).build();
    ManagedChannel channel = tracing.applyTo(builder.directExecutor()
        .defaultServiceConfig(serviceConfig).enableRetry()).build();
    channels.add(channel);
    return channel;
  }

  private static List<SpanData> ofKind(List<SpanData> spans, SpanKind kind) {
    return spans.stream().filter(s -> s.getKind() == kind).collect(Collectors.toList());
  }

  /** The attempt spans (CLIENT spans with a previous-attempts count), in attempt order. */
  private static List<SpanData> attempts(List<SpanData> spans) {
    return spans.stream().filter(s -> s.getAttributes().get(PREVIOUS) != null)
        .sorted(Comparator.comparing(s -> s.getAttributes().get(PREVIOUS))).collect(Collectors.toList());
  }

  private static SpanData callSpan(List<SpanData> spans) {
    List<SpanData> calls = spans.stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT && s.getAttributes().get(PREVIOUS) == null)
        .collect(Collectors.toList());
    assertThat(calls).as("call spans").hasSize(1);
    return calls.get(0);
  }

  private static SpanData childOf(List<SpanData> spans, SpanData parent, SpanKind kind) {
    List<SpanData> children = spans.stream()
        .filter(s -> s.getKind() == kind && s.getParentSpanId().equals(parent.getSpanId()))
        .collect(Collectors.toList());
    assertThat(children).as("%s children of %s", kind, parent.getSpanId()).hasSize(1);
    return children.get(0);
  }

  @Test
  void retryPolicy_threeAttempts_eachASpanUnderTheCall_eachServerSpanUnderItsAttempt() throws Exception {
    ManagedChannel channel = channel(InProcessChannelBuilder.forName(server("fail", "fail")), retryConfig(), true);

    assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x")).isEqualTo("ok 2");

    List<SpanData> spans = telemetry.awaitSpans(7);
    SpanData call = callSpan(spans);
    assertThat(call).hasName("test.Retry/Unary").hasKind(SpanKind.CLIENT).hasNoParent()
        .hasAttribute(STATUS_CODE, 0L);
    assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    List<SpanData> attempts = attempts(spans);
    assertThat(attempts).hasSize(3);
    long[] expectedCodes = {Status.Code.UNAVAILABLE.value(), Status.Code.UNAVAILABLE.value(), 0};
    for (int i = 0; i < 3; i++) {
      SpanData attempt = attempts.get(i);
      assertThat(attempt).hasName("test.Retry/Unary").hasKind(SpanKind.CLIENT).hasParent(call)
          .hasAttribute(PREVIOUS, (long) i)
          .hasAttribute(TRANSPARENT, false)
          .hasAttribute(STATUS_CODE, expectedCodes[i])
          .hasAttribute(AttributeKey.stringKey("rpc.system"), "grpc")
          .hasAttribute(AttributeKey.stringKey("rpc.service"), SERVICE)
          .hasAttribute(AttributeKey.stringKey("rpc.method"), "Unary");
      assertThat(attempt.getStatus().getStatusCode()).isEqualTo(i < 2 ? StatusCode.ERROR : StatusCode.UNSET);
      SpanData server = childOf(spans, attempt, SpanKind.SERVER);
      assertThat(server).hasAttribute(STATUS_CODE, expectedCodes[i]);
    }
    assertThat(ofKind(spans, SpanKind.SERVER)).hasSize(3);
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(call.getTraceId());
    // one traceparent per attempt: the call-level injection is replaced, not duplicated
    assertThat(traceparents).hasSize(3).allSatisfy(values -> assertThat(values).hasSize(1));
    assertThat(traceparents).extracting(values -> values.get(0).substring(36, 52))
        .containsExactlyElementsOf(attempts.stream().map(SpanData::getSpanId).collect(Collectors.toList()));
  }

  @Test
  void retryPolicy_attemptSpansOff_oneClientSpanParentsEveryServerSpan_asBefore() throws Exception {
    ManagedChannel channel = channel(InProcessChannelBuilder.forName(server("fail", "fail")), retryConfig(), false);

    ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x");

    List<SpanData> spans = telemetry.awaitSpans(4);
    SpanData call = callSpan(spans);
    assertThat(attempts(spans)).isEmpty();
    assertThat(ofKind(spans, SpanKind.SERVER)).hasSize(3).allSatisfy(s -> assertThat(s).hasParent(call));
    assertThat(call.getEvents()).isEmpty();
    assertThat(traceparents).hasSize(3).allSatisfy(values -> assertThat(values).hasSize(1));
  }

  @Test
  void retryPolicy_exhausted_lastAttemptsStatusIsTheCalls() throws Exception {
    ManagedChannel channel = channel(InProcessChannelBuilder.forName(server("fail", "fail", "fail")),
        retryConfig(), true);

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x"))
        .isInstanceOf(StatusRuntimeException.class);

    List<SpanData> spans = telemetry.awaitSpans(7);
    SpanData call = callSpan(spans);
    assertThat(call).hasAttribute(STATUS_CODE, (long) Status.Code.UNAVAILABLE.value());
    assertThat(attempts(spans)).hasSize(3).allSatisfy(a -> {
      assertThat(a).hasParent(call).hasAttribute(STATUS_CODE, (long) Status.Code.UNAVAILABLE.value());
      assertThat(a.getStatus().getDescription()).startsWith("attempt ");
    });
  }

  @Test
  void hedgingPolicy_secondHedgeWins_firstIsCancelled_bothUnderTheCall() throws Exception {
    ManagedChannel channel = channel(InProcessChannelBuilder.forName(server("hang")), hedgingConfig(), true);

    assertThat(ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x")).isEqualTo("ok 1");

    List<SpanData> spans = telemetry.awaitSpans(5);
    SpanData call = callSpan(spans);
    List<SpanData> attempts = attempts(spans);
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0)).hasParent(call).hasAttribute(PREVIOUS, 0L)
        .hasAttribute(STATUS_CODE, (long) Status.Code.CANCELLED.value());
    assertThat(attempts.get(1)).hasParent(call).hasAttribute(PREVIOUS, 1L).hasAttribute(STATUS_CODE, 0L);
    // the hedges overlapped: the second started before the first ended
    assertThat(attempts.get(1).getStartEpochNanos()).isLessThan(attempts.get(0).getEndEpochNanos());
    for (SpanData attempt : attempts) {
      childOf(spans, attempt, SpanKind.SERVER);
    }
  }

  @Test
  void delayedNameResolution_isAnEventOnTheCallSpan() throws Exception {
    String name = server();
    NameResolverProvider slowResolver = new NameResolverProvider() {
      @Override
      protected boolean isAvailable() {
        return true;
      }

      @Override
      protected int priority() {
        return 5;
      }

      @Override
      public java.util.Collection<Class<? extends java.net.SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InProcessSocketAddress.class);
      }

      @Override
      public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        return new NameResolver() {
          @Override
          public String getServiceAuthority() {
            return "slow";
          }

          @Override
          public void start(Listener2 listener) {
            scheduler.schedule(() -> listener.onResult(ResolutionResult.newBuilder()
                .setAddresses(List.of(new EquivalentAddressGroup(new InProcessSocketAddress(name))))
                .build()), 100, TimeUnit.MILLISECONDS);
          }

          @Override
          public void shutdown() {}
        };
      }

      @Override
      public String getDefaultScheme() {
        return "slow";
      }
    };
    @SuppressWarnings("deprecation") // the per-channel way to install a resolver
    InProcessChannelBuilder builder = InProcessChannelBuilder.forTarget("slow:///" + name)
        .nameResolverFactory(slowResolver);
    ManagedChannel channel = channel(builder, retryConfig(), true);

    ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "x");

    List<SpanData> spans = telemetry.awaitSpans(3);
    SpanData call = callSpan(spans);
    // after resolution the load balancer still has to connect, so the attempt waits for a pick too
    assertThat(call.getEvents()).extracting(EventData::getName)
        .containsExactly("Delayed name resolution complete", "Delayed LB pick complete");
    assertThat(call.getEvents().get(1).getAttributes().get(PREVIOUS)).isZero();
    assertThat(attempts(spans)).hasSize(1).allSatisfy(a -> assertThat(a).hasParent(call));
  }
}
