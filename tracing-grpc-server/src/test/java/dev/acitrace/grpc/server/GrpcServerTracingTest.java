package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.satisfies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.StatusRule;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.internal.GrpcMetadata;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.assertj.TracesAssert;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // scopes are opened for their effect, as OpenTelemetry intends
class GrpcServerTracingTest {

  private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request.id");
  private static final String HEX_128 = "[0-9a-f]{32}";

  private TestTelemetry telemetry = new TestTelemetry();
  private final EchoService serviceA = new EchoService("test.A");
  private final EchoService serviceB = new EchoService("test.B");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    for (ExecutorService executor : executors) {
      executor.shutdownNow();
    }
    serviceA.close();
    serviceB.close();
    try {
      telemetry.assertEachSpanEndedExactlyOnce(); // every test: each span ended once, no second end()
    } finally {
      telemetry.close();
    }
  }

  /** Starts {@code service} with server tracing as {@code configure} builds it; returns its name. */
  private String start(EchoService service, Function<GrpcServerTracing.Builder, GrpcServerTracing.Builder> configure,
      boolean directExecutor) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).addService(service.definition());
    if (directExecutor) {
      builder.directExecutor();
    } else {
      ExecutorService executor = Executors.newFixedThreadPool(2);
      executors.add(executor);
      builder.executor(executor);
    }
    // isolated from the environment and from providers on the test path (discovery has its own test)
    GrpcServerTracing.Builder tracing = GrpcServerTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of());
    servers.add(configure.apply(tracing).build().applyTo(builder).build().start());
    return name;
  }

  private String start(EchoService service) throws Exception {
    return start(service, b -> b, true);
  }

  private ManagedChannel tracedChannel(String name) {
    ManagedChannel channel = GrpcClientTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .build()
        .applyTo(InProcessChannelBuilder.forName(name).directExecutor()).build();
    channels.add(channel);
    return channel;
  }

  private ManagedChannel plainChannel(String name) {
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  private static SpanData span(List<SpanData> spans, SpanKind kind, String name) {
    return spans.stream().filter(s -> s.getKind() == kind && s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " span " + name + " in " + spans));
  }

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.grpc.server");
  }

  /** The build runs this class twice: without and with grpc-context-override (gRPC's context inside OpenTelemetry's). */
  @Test
  void grpcContextOverride_presentExactlyWhenTheBuildSaysSo() {
    boolean present;
    try {
      Class.forName("io.grpc.override.ContextStorageOverride");
      present = true;
    } catch (ClassNotFoundException e) {
      present = false;
    }
    assertThat(present).isEqualTo(Boolean.getBoolean("acitrace.test.grpcOverride"));
    assertThat(dev.acitrace.grpc.internal.GrpcContextBridge.grpcStoredInOpenTelemetry()).isEqualTo(present);
  }

  @Test
  void unary_ok_serverSpanChildOfClientWithAttributesAndGeneratedRequestId() throws Exception {
    ManagedChannel channel = tracedChannel(start(serviceA));
    assertThat(ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok"))
        .isEqualTo("echo:ok");
    telemetry.awaitTraces(2).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("test.A/Unary").hasKind(SpanKind.CLIENT).hasNoParent(),
        span -> span.hasName("test.A/Unary")
            .hasKind(SpanKind.SERVER)
            .hasParent(trace.getSpan(0))
            .hasStatus(StatusData.unset())
            .hasEnded()
            .hasAttributesSatisfyingExactly(
                equalTo(RpcSemconv.RPC_SYSTEM, "grpc"),
                equalTo(RpcSemconv.RPC_SERVICE, "test.A"),
                equalTo(RpcSemconv.RPC_METHOD, "Unary"),
                equalTo(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L),
                satisfies(RpcSemconv.RPC_GRPC_DURATION_MS, d -> d.isGreaterThanOrEqualTo(0)),
                satisfies(REQUEST_ID, id -> id.matches(HEX_128)))));
    SpanData server = span(telemetry.exporter.getFinishedSpanItems(), SpanKind.SERVER, "test.A/Unary");
    EchoService.Seen seen = serviceA.seen.get(0);
    assertThat(seen.span().getSpanId()).isEqualTo(server.getSpanId());
    assertThat(seen.baggage()).containsEntry("request.id", server.getAttributes().get(REQUEST_ID));
  }

  @Test
  void everyCallType_ok_oneServerSpanEach() throws Exception {
    ManagedChannel channel = tracedChannel(start(serviceA));
    List<String> all = new ArrayList<>();
    ClientCalls.blockingServerStreamingCall(channel, serviceA.serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(all::add);
    CountDownLatch done = new CountDownLatch(2);
    StreamObserver<String> collect = new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        all.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    };
    StreamObserver<String> upload = ClientCalls.asyncClientStreamingCall(
        channel.newCall(serviceA.clientStreaming, CallOptions.DEFAULT), collect);
    upload.onNext("ok");
    upload.onNext("more");
    upload.onCompleted();
    StreamObserver<String> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(serviceA.bidi, CallOptions.DEFAULT), collect);
    chat.onNext("ok");
    chat.onNext("again");
    chat.onCompleted();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(all).containsExactly("a", "b", "c", "ok,more", "echo:ok", "echo:again");
    List<SpanData> spans = telemetry.awaitSpans(6);
    for (String method : List.of("ServerStream", "ClientStream", "Bidi")) {
      SpanData server = span(spans, SpanKind.SERVER, "test.A/" + method);
      assertThat(server).hasParent(span(spans, SpanKind.CLIENT, "test.A/" + method))
          .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L)
          .hasAttribute(RpcSemconv.RPC_METHOD, method);
    }
  }

  @Test
  void messageEvents_bidi_receivedAndSentCounted() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA, b -> b.messageEvents(true), true));
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<String> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(serviceA.bidi, CallOptions.DEFAULT), new StreamObserver<>() {
          @Override
          public void onNext(String value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    chat.onNext("ok");
    chat.onNext("two");
    chat.onCompleted();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    SpanData server = telemetry.awaitSpans(1).get(0);
    assertThat(server.getEvents()).extracting(e -> e.getAttributes().get(RpcSemconv.MESSAGE_TYPE)
        + "#" + e.getAttributes().get(RpcSemconv.MESSAGE_ID))
        .containsExactly("RECEIVED#1", "SENT#1", "RECEIVED#2", "SENT#2");
  }

  @Test
  void clientFault_notFound_codeRecordedStatusUnsetUnlessAllNonOk() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    ManagedChannel strict = plainChannel(start(serviceB, b -> b.statusRule(StatusRule.ALL_NON_OK), true));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "fail"))
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(strict, serviceB.unary, CallOptions.DEFAULT, "fail"))
        .isInstanceOf(StatusRuntimeException.class);
    List<SpanData> spans = telemetry.awaitSpans(2);
    assertThat(span(spans, SpanKind.SERVER, "test.A/Unary"))
        .hasStatus(StatusData.unset()).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 5L);
    assertThat(span(spans, SpanKind.SERVER, "test.B/Unary"))
        .hasStatus(StatusData.create(StatusCode.ERROR, "no such thing"))
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 5L);
  }

  @Test
  void serverFault_internalWithCause_errorStatusAndExceptionEvent() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT,
        "internal")).isInstanceOf(StatusRuntimeException.class);
    assertThat(telemetry.awaitSpans(1).get(0))
        .hasStatus(StatusData.create(StatusCode.ERROR, "broken"))
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 13L)
        .hasEventsSatisfyingExactly(e -> e.hasName("exception").hasAttributesSatisfying(
            equalTo(AttributeKey.stringKey("exception.type"), "java.lang.IllegalStateException"),
            equalTo(AttributeKey.stringKey("exception.message"), "disk")));
  }

  @Test
  void handlerThrows_unknownErrorWithExceptionEvent_endedOnce() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT,
        "throw")).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData thrown = spans.get(0);
    assertThat(thrown)
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 2L)
        .hasEventsSatisfyingExactly(e -> e.hasName("exception").hasAttributesSatisfying(
            equalTo(AttributeKey.stringKey("exception.type"), "java.lang.IllegalArgumentException")));
    assertThat(thrown.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(spans.get(1)).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L);

    telemetry.assertEachSpanEndedExactlyOnce();
  }

  @Test
  void clientCancels_serverSpanCancelledNotError() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    ClientCall<String, String> call = channel.newCall(serviceA.serverStreaming, CallOptions.DEFAULT);
    ClientCalls.asyncServerStreamingCall(call, "hang", new StreamObserver<>() {
      @Override
      public void onNext(String value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    call.cancel("bye", null);
    assertThat(telemetry.awaitSpans(1).get(0))
        .hasName("test.A/ServerStream")
        .hasStatus(StatusData.unset())
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 1L);
  }

  @Test
  void deadlineExceeded_serverSpanDeadlineExceeded() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA, b -> b, false));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, serviceA.unary,
        CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS), "sleep"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    SpanData server = telemetry.awaitSpans(1).get(0);
    assertThat(server).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 4L);
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  /** client -> A -> B, with A's handler calling B on its own thread or through a context-wrapped executor. */
  private void threeHop(String relay, Baggage clientBaggage) throws Exception {
    String nameB = start(serviceB);
    ManagedChannel toB = tracedChannel(nameB);
    serviceA.downstream = () -> toB;
    ManagedChannel toA = tracedChannel(start(serviceA));
    Span root = telemetry.sdk.getTracer("test").spanBuilder("root").startSpan();
    try (Scope ignored = Context.current().with(root).with(clientBaggage).makeCurrent()) {
      assertThat(ClientCalls.blockingUnaryCall(toA, serviceA.unary, CallOptions.DEFAULT, relay))
          .isEqualTo("relayed:echo:ok");
    }
    root.end();
  }

  @Test
  void threeHops_sameThread_oneTraceParentChainBaggageAndRequestIdReachB() throws Exception {
    threeHop("relay", Baggage.builder().put("user.id", "alice").put("request.id", "req-123").build());
    List<SpanData> spans = telemetry.awaitSpans(5);
    SpanData root = span(spans, SpanKind.INTERNAL, "root");
    SpanData clientA = span(spans, SpanKind.CLIENT, "test.A/Unary");
    SpanData serverA = span(spans, SpanKind.SERVER, "test.A/Unary");
    SpanData clientB = span(spans, SpanKind.CLIENT, "test.B/Unary");
    SpanData serverB = span(spans, SpanKind.SERVER, "test.B/Unary");
    TracesAssert.assertThat(spans).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactlyInAnyOrder(
        span -> span.hasName("root").hasNoParent(),
        span -> span.hasKind(SpanKind.CLIENT).hasName("test.A/Unary").hasParent(root),
        span -> span.hasKind(SpanKind.SERVER).hasName("test.A/Unary").hasParent(clientA)
            .hasAttribute(REQUEST_ID, "req-123"),
        span -> span.hasKind(SpanKind.CLIENT).hasName("test.B/Unary").hasParent(serverA),
        span -> span.hasKind(SpanKind.SERVER).hasName("test.B/Unary").hasParent(clientB)
            .hasAttribute(REQUEST_ID, "req-123")));
    assertThat(serviceB.seen).hasSize(1);
    assertThat(serviceB.seen.get(0).baggage()).containsExactlyInAnyOrderEntriesOf(
        Map.of("user.id", "alice", "request.id", "req-123"));
    assertThat(serviceB.seen.get(0).span().getSpanId()).isEqualTo(serverB.getSpanId());
  }

  @Test
  void handlerMakesRootContextCurrent_itsOutgoingCallStartsAFreshTrace() throws Exception {
    threeHop("relay-root", Baggage.builder().put("user.id", "dave").build());
    List<SpanData> spans = telemetry.awaitSpans(5);
    SpanData serverA = span(spans, SpanKind.SERVER, "test.A/Unary");
    SpanData clientB = span(spans, SpanKind.CLIENT, "test.B/Unary");
    SpanData serverB = span(spans, SpanKind.SERVER, "test.B/Unary");
    assertThat(clientB).hasNoParent();
    assertThat(clientB.getTraceId()).isNotEqualTo(serverA.getTraceId());
    assertThat(serverB).hasParent(clientB);
    // The explicit root context has no baggage either: B generates its own request id.
    assertThat(serviceB.seen.get(0).baggage()).doesNotContainEntry("user.id", "dave");
  }

  @Test
  void threeHops_otherThreadViaGrpcContextExecutor_requestIdGeneratedAtAReachesB() throws Exception {
    threeHop("relay-thread", Baggage.builder().put("user.id", "bob").build());
    List<SpanData> spans = telemetry.awaitSpans(5);
    SpanData serverA = span(spans, SpanKind.SERVER, "test.A/Unary");
    SpanData clientB = span(spans, SpanKind.CLIENT, "test.B/Unary");
    SpanData serverB = span(spans, SpanKind.SERVER, "test.B/Unary");
    assertThat(spans).extracting(SpanData::getTraceId).containsOnly(serverA.getTraceId());
    assertThat(clientB).hasParent(serverA);
    assertThat(serverB).hasParent(clientB);
    String generated = serverA.getAttributes().get(REQUEST_ID);
    assertThat(generated).matches(HEX_128);
    assertThat(serverB).hasAttribute(REQUEST_ID, generated);
    assertThat(serviceB.seen.get(0).baggage())
        .containsExactlyInAnyOrderEntriesOf(Map.of("user.id", "bob", "request.id", generated));
  }

  @Test
  void unsampled_noSpansButTraceBaggageAndRequestIdReachB() throws Exception {
    telemetry.close();
    telemetry = new TestTelemetry(Sampler.parentBased(Sampler.alwaysOff()));
    threeHop("relay", Baggage.builder().put("user.id", "carol").build());
    assertThat(telemetry.awaitSpans(0)).isEmpty();
    assertThat(telemetry.ends.handedOutCount()).as("client and server spans at A and B, unsampled, each ended once").isEqualTo(4);
    EchoService.Seen atA = serviceA.seen.get(0);
    EchoService.Seen atB = serviceB.seen.get(0);
    assertThat(atA.span().isValid()).isTrue();
    assertThat(atA.span().isSampled()).isFalse();
    assertThat(atB.span().getTraceId()).isEqualTo(atA.span().getTraceId());
    assertThat(atB.baggage()).containsEntry("user.id", "carol")
        .containsEntry("request.id", atA.baggage().get("request.id"));
    assertThat(atA.baggage().get("request.id")).matches(HEX_128);
  }

  @Test
  void malformedTraceparentAndBaggage_callSucceedsWithNewRootTrace() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    Metadata headers = new Metadata();
    headers.put(GrpcMetadata.asciiKey("traceparent"), "00-not-a-trace-id-zz");
    headers.put(GrpcMetadata.asciiKey("baggage"), "%%%;;==,,=x,user.id=ok,\u00e9=1");
    Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    assertThat(ClientCalls.blockingUnaryCall(withHeaders, serviceA.unary, CallOptions.DEFAULT, "ok"))
        .isEqualTo("echo:ok");
    SpanData server = telemetry.awaitSpans(1).get(0);
    assertThat(server).hasNoParent().hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L);
    assertThat(serviceA.seen.get(0).baggage().get("request.id")).matches(HEX_128);
  }

  @Test
  void requestId_unsafeIncoming_replaced_echoedInResponseHeader() throws Exception {
    ManagedChannel channel = tracedChannel(start(serviceA,
        b -> b.requestIds(RequestIdServerInterceptor.builder().maxLength(16).echoHeader("x-request-id").build()),
        true));
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> responseTrailers = new AtomicReference<>();
    Channel capturing = ClientInterceptors.intercept(channel,
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, responseTrailers));
    List<String> ids = new ArrayList<>();
    for (String incoming : List.of("ok-id_1.2:3", "has space", "x".repeat(17), "semi;colon")) {
      try (Scope ignored = Baggage.builder().put("request.id", incoming).build().makeCurrent()) {
        ClientCalls.blockingUnaryCall(capturing, serviceA.unary, CallOptions.DEFAULT, "ok");
      }
      ids.add(responseHeaders.get().get(GrpcMetadata.asciiKey("x-request-id")));
    }
    assertThat(ids.get(0)).isEqualTo("ok-id_1.2:3");
    assertThat(ids.subList(1, 4)).allMatch(id -> id.matches(HEX_128));
    assertThat(new HashSet<>(ids)).hasSize(4);
    // a call that fails before sending headers still tells the caller its id, in the trailers
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(capturing, serviceA.unary, CallOptions.DEFAULT, "fail"))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(responseTrailers.get().get(GrpcMetadata.asciiKey("x-request-id"))).matches(HEX_128);
  }

  @Test
  void noRequestIds_baggagePassedAsIs_noAttribute() throws Exception {
    ManagedChannel channel = tracedChannel(start(serviceA, GrpcServerTracing.Builder::noRequestIds, true));
    ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    SpanData server = span(telemetry.awaitSpans(2), SpanKind.SERVER, "test.A/Unary");
    assertThat(server.getAttributes().get(REQUEST_ID)).isNull();
    assertThat(serviceA.seen.get(0).baggage()).doesNotContainKey("request.id");
  }

  @Test
  void publicEndpoint_newRootLinkedToCaller_onlyAllowlistedBaggageKept() throws Exception {
    ManagedChannel channel = tracedChannel(start(serviceA, b -> b.publicEndpoint(List.of("user.id")), true));
    try (Scope ignored = Baggage.builder().put("user.id", "dave").put("secret", "s")
        .put("request.id", "forged-id").build().makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    }
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData client = span(spans, SpanKind.CLIENT, "test.A/Unary");
    SpanData server = span(spans, SpanKind.SERVER, "test.A/Unary");
    assertThat(server).hasNoParent()
        .hasLinksSatisfying(links -> assertThat(links).singleElement()
            .satisfies(link -> {
              assertThat(link.getSpanContext().getTraceId()).isEqualTo(client.getTraceId());
              assertThat(link.getSpanContext().getSpanId()).isEqualTo(client.getSpanId());
              assertThat(link.getSpanContext().isRemote()).isTrue();
            }));
    assertThat(server.getTraceId()).isNotEqualTo(client.getTraceId());
    Map<String, String> baggage = serviceA.seen.get(0).baggage();
    assertThat(baggage).containsEntry("user.id", "dave").doesNotContainKey("secret");
    assertThat(baggage.get("request.id")).matches(HEX_128);
  }

  @Test
  void methodFilter_excludedMethod_passedThroughUntraced() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA,
        b -> b.methodFilter(m -> !m.method().equals("Unary")), true));
    ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    ClientCalls.blockingServerStreamingCall(channel, serviceA.serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(s -> { });
    assertThat(telemetry.awaitSpans(1).get(0)).hasName("test.A/ServerStream");
    assertThat(serviceA.seen.get(0).span().isValid()).isFalse();
  }

  @Test
  void standaloneRequestIdInterceptor_withoutTracing_readsHeaderOrGenerates() throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor()
        .addService(serviceA.definition())
        .intercept(RequestIdServerInterceptor.builder().echoHeader("x-request-id").build())
        .build().start());
    ManagedChannel channel = tracedChannel(name);
    try (Scope ignored = Baggage.builder().put("request.id", "from-client").put("k", "v").build().makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    }
    ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok");
    assertThat(serviceA.seen.get(0).baggage()).containsEntry("request.id", "from-client").containsEntry("k", "v");
    assertThat(serviceA.seen.get(1).baggage().get("request.id")).matches(HEX_128);
  }

  @Test
  void requestIdPolicy_acceptsAndGenerates() {
    RequestIdServerInterceptor ids = RequestIdServerInterceptor.create();
    assertThat(ids.accepts("3f2a-B_9.x:1")).isTrue();
    assertThat(ids.accepts("")).isFalse();
    assertThat(ids.accepts(null)).isFalse();
    assertThat(ids.accepts("a".repeat(129))).isFalse();
    assertThat(ids.accepts("é")).isFalse();
    assertThat(ids.accepts("a\nb")).isFalse();
    Set<String> generated = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      generated.add(ids.newRequestId());
    }
    assertThat(generated).hasSize(1000).allMatch(id -> id.matches(HEX_128));
    assertThat(ids.echoHeader()).isEmpty();
    assertThatThrownBy(() -> RequestIdServerInterceptor.builder().maxLength(0)).hasMessageContaining("maxLength");
    assertThatThrownBy(() -> RequestIdServerInterceptor.builder().echoHeader("bad header"))
        .hasMessageContaining("header");
  }

  @Test
  void semconvOptIn_rpc_serverErrorType() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA, b -> b.config(
        TracingConfig.of(Map.of(RpcSemconv.OPT_IN_KEY, "rpc"))), true));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT,
        "internal")).isInstanceOf(StatusRuntimeException.class);
    SpanData server = telemetry.awaitSpans(1).get(0);
    assertThat(server)
        .hasAttribute(RpcSemconv.RPC_SYSTEM_NAME, "grpc")
        .hasAttribute(RpcSemconv.RPC_METHOD, "test.A/Unary")
        .hasAttribute(RpcSemconv.RPC_RESPONSE_STATUS_CODE, "INTERNAL")
        .hasAttribute(RpcSemconv.ERROR_TYPE, "INTERNAL");
    assertThat(server.getAttributes().get(RpcSemconv.RPC_GRPC_STATUS_CODE)).isNull();
    assertThat(server.getAttributes().get(RpcSemconv.RPC_SERVICE)).isNull();
  }

  @Test
  void instrument_usesGlobalOpenTelemetry() throws Exception {
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(telemetry.sdk);
    try {
      String name = InProcessServerBuilder.generateName();
      ServerBuilder<?> builder = InProcessServerBuilder.forName(name).directExecutor()
          .addService(serviceA.definition());
      servers.add(GrpcServerTracing.instrument(builder).build().start());
      ClientCalls.blockingUnaryCall(plainChannel(name), serviceA.unary, CallOptions.DEFAULT, "ok");
      assertThat(telemetry.awaitSpans(1).get(0)).hasKind(SpanKind.SERVER)
          .hasAttributesSatisfying(satisfies(REQUEST_ID, id -> id.matches(HEX_128)));
    } finally {
      GlobalOpenTelemetry.resetForTest();
    }
  }

  @Test
  void bidi_halfClosedButOpen_notEndedUntilCancelled() throws Exception {
    ManagedChannel channel = plainChannel(start(serviceA));
    ClientCall<String, String> call = channel.newCall(serviceA.bidi, CallOptions.DEFAULT);
    StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
      @Override
      public void onNext(String value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    requests.onNext("hang");
    requests.onCompleted();
    assertThat(serviceA.seen).hasSize(1);
    assertThat(telemetry.exporter.getFinishedSpanItems()).as("ended on half-close").isEmpty();
    call.cancel("done waiting", null);
    assertThat(telemetry.awaitSpans(1).get(0)).hasName("test.A/Bidi")
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 1L);
  }

  @Test
  void peerAddress_fromInetRemoteAddress() throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor()
        .addService(serviceA.definition())
        .addTransportFilter(new io.grpc.ServerTransportFilter() {
          @Override
          public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
            return attributes.toBuilder().set(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR,
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40123)).build();
          }
        });
    GrpcServerTracing.builder(telemetry.otel).config(TracingConfig.of(Map.of())).enrichers(List.of()).build()
        .applyTo(builder);
    servers.add(builder.build().start());
    ClientCalls.blockingUnaryCall(plainChannel(name), serviceA.unary, CallOptions.DEFAULT, "ok");
    assertThat(telemetry.awaitSpans(1).get(0))
        .hasAttribute(RpcSemconv.NETWORK_PEER_ADDRESS, "127.0.0.1")
        .hasAttribute(RpcSemconv.NETWORK_PEER_PORT, 40123L);
  }

  @Test
  void enrichersAndCapture_seeRequestIdBaggageMetadataAndStatus() throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.acitrace.api.spi.AttributeEnricher enricher = new dev.acitrace.api.spi.AttributeEnricher() {
      @Override
      public void onStart(dev.acitrace.api.spi.RpcRequestInfo request, Span span) {
        String id = Baggage.fromContext(request.parentContext()).getEntryValue("request.id");
        span.setAttribute("from.baggage", id);
        seen.add(request.side() + " " + request.method().callType() + " "
            + request.requestMetadata().get("x-tenant"));
      }

      @Override
      public void onEnd(dev.acitrace.api.spi.RpcRequestInfo request, dev.acitrace.api.spi.RpcResponseInfo response,
          Span span) {
        seen.add(response.statusName() + " " + response.statusDescription() + " "
            + (response.error() == null ? null : response.error().getMessage()));
      }
    };
    ManagedChannel channel = plainChannel(start(serviceA, b -> b.enrichers(List.of(enricher))
        .captureRequestMetadata(List.of("x-tenant")), true));
    Metadata headers = new Metadata();
    headers.put(GrpcMetadata.asciiKey("x-tenant"), "acme");
    Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(withHeaders, serviceA.unary, CallOptions.DEFAULT,
        "internal")).isInstanceOf(StatusRuntimeException.class);
    SpanData server = telemetry.awaitSpans(1).get(0);
    assertThat(server)
        .hasAttribute(AttributeKey.stringKey("from.baggage"), server.getAttributes().get(REQUEST_ID))
        .hasAttribute(AttributeKey.stringArrayKey("rpc.grpc.request.metadata.x-tenant"), List.of("acme"));
    assertThat(seen).containsExactly("SERVER UNARY acme", "INTERNAL broken disk");
  }

  @Test
  void throwingPropagator_callsSucceedWithSpansButNoPropagation() throws Exception {
    io.opentelemetry.context.propagation.TextMapPropagator broken =
        new io.opentelemetry.context.propagation.TextMapPropagator() {
          @Override
          public java.util.Collection<String> fields() {
            return List.of("broken");
          }

          @Override
          public <C> void inject(Context context, C carrier,
              io.opentelemetry.context.propagation.TextMapSetter<C> setter) {
            throw new IllegalStateException("inject bug");
          }

          @Override
          public <C> Context extract(Context context, C carrier,
              io.opentelemetry.context.propagation.TextMapGetter<C> getter) {
            throw new IllegalStateException("extract bug");
          }
        };
    io.opentelemetry.sdk.OpenTelemetrySdk brokenSdk = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
        .setTracerProvider(telemetry.sdk.getSdkTracerProvider())
        .setPropagators(io.opentelemetry.context.propagation.ContextPropagators.create(broken))
        .build();
    String name = InProcessServerBuilder.generateName();
    servers.add(GrpcServerTracing.builder(brokenSdk).config(TracingConfig.of(Map.of())).enrichers(List.of()).build()
        .applyTo(InProcessServerBuilder.forName(name).directExecutor().addService(serviceA.definition()))
        .build().start());
    ManagedChannel channel = GrpcClientTracing.builder(brokenSdk).config(TracingConfig.of(Map.of()))
        .enrichers(List.of()).build().applyTo(InProcessChannelBuilder.forName(name).directExecutor()).build();
    channels.add(channel);
    assertThat(ClientCalls.blockingUnaryCall(channel, serviceA.unary, CallOptions.DEFAULT, "ok"))
        .isEqualTo("echo:ok");
    List<SpanData> spans = telemetry.awaitSpans(2);
    assertThat(span(spans, SpanKind.SERVER, "test.A/Unary")).hasNoParent();
    assertThat(span(spans, SpanKind.CLIENT, "test.A/Unary")).hasNoParent();
  }

  @Test
  void builder_invalidArguments_failNamingTheArgument() {
    assertThatThrownBy(() -> GrpcServerTracing.builder(null)).hasMessageContaining("openTelemetry");
    assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.otel).publicEndpoint(null))
        .hasMessageContaining("keptBaggageKeys");
    assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.otel).methodFilter(null))
        .hasMessageContaining("methodFilter");
    assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.otel).requestIds(null))
        .hasMessageContaining("requestIds");
  }
}
