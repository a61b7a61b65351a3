package dev.acitrace.grpc.client;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.satisfies;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import dev.acitrace.grpc.internal.GrpcContextBridge;
import dev.acitrace.grpc.internal.GrpcMetadata;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // scopes are opened for their effect, as OpenTelemetry intends
class GrpcClientTracingTest {

  private final TestService service = new TestService();
  /** Request headers as the server received them. */
  private final List<Metadata> received = new CopyOnWriteArrayList<>();
  private TestTelemetry telemetry;
  private Server server;
  private String serverName;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    telemetry = new TestTelemetry();
    serverName = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(serverName).directExecutor()
        .addService(ServerInterceptors.intercept(service.definition(), new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            received.add(headers);
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(GrpcMetadata.asciiKey("x-served-by"), "test");
                super.sendHeaders(responseHeaders);
              }

              @Override
              public void close(Status status, Metadata trailers) {
                trailers.put(GrpcMetadata.asciiKey("x-trailer"), "t");
                super.close(status, trailers);
              }
            }, headers);
          }
        }))
        .build()
        .start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    service.released.countDown();
    TestCalls.stopAll(channels, List.of(server));
    try {
      telemetry.assertEachSpanEndedExactlyOnce(); // every test: each span ended once, no second end()
    } finally {
      telemetry.close();
    }
  }

  private ManagedChannel channel(GrpcClientTracing tracing) {
    ManagedChannel channel = tracing.applyTo(InProcessChannelBuilder.forName(serverName).directExecutor()).build();
    channels.add(channel);
    return channel;
  }

  private ManagedChannel channel() {
    return channel(isolated(telemetry.otel).build());
  }

  /**
   * A builder that ignores the environment and any providers on the test path, so the assertions below
   * see exactly this module's behaviour (discovery has its own test).
   */
  static GrpcClientTracing.Builder isolated(io.opentelemetry.api.OpenTelemetry openTelemetry) {
    return GrpcClientTracing.builder(openTelemetry).config(TracingConfig.of(Map.of())).enrichers(List.of());
  }

  private static String unary(ManagedChannel channel, String request) {
    return ClientCalls.blockingUnaryCall(channel, TestService.UNARY, CallOptions.DEFAULT, request);
  }
  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.grpc.client");
  }

  @Test
  void unary_ok_clientSpanChildOfCurrentWithAttributesAndInjectedHeaders() throws Exception {
    ManagedChannel channel = channel();
    Span parent = telemetry.sdk.getTracer("test").spanBuilder("parent").startSpan();
    Context context = Context.current().with(parent)
        .with(Baggage.builder().put("user.id", "u1").build());
    try (Scope ignored = context.makeCurrent()) {
      assertThat(unary(channel, "ok")).isEqualTo("echo:ok");
    }
    parent.end();

    telemetry.awaitTraces(2).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("parent").hasNoParent(),
        span -> span.hasName("test.Echo/Unary")
            .hasKind(SpanKind.CLIENT)
            .hasParent(trace.getSpan(0))
            .hasStatus(io.opentelemetry.sdk.trace.data.StatusData.unset())
            .hasEnded()
            .hasTotalRecordedEvents(0)
            .hasAttributesSatisfyingExactly(
                equalTo(RpcSemconv.RPC_SYSTEM, "grpc"),
                equalTo(RpcSemconv.RPC_SERVICE, "test.Echo"),
                equalTo(RpcSemconv.RPC_METHOD, "Unary"),
                equalTo(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L),
                equalTo(RpcSemconv.SERVER_ADDRESS, "localhost"),
                satisfies(RpcSemconv.RPC_GRPC_DURATION_MS, d -> d.isGreaterThanOrEqualTo(0)))));
    SpanData client = telemetry.exporter.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();

    Metadata headers = received.get(0);
    String traceparent = headers.get(GrpcMetadata.asciiKey("traceparent"));
    assertThat(traceparent).startsWith("00-" + client.getTraceId() + "-" + client.getSpanId() + "-");
    assertThat(TestTelemetry.sampledFlag(traceparent)).isTrue();
    assertThat(headers.get(GrpcMetadata.asciiKey("baggage"))).isEqualTo("user.id=u1");
  }

  @Test
  void unary_noCurrentSpan_startsRootTrace() throws Exception {
    unary(channel(), "ok");
    telemetry.awaitTraces(1).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("test.Echo/Unary").hasNoParent().hasKind(SpanKind.CLIENT)));
  }

  @Test
  void unary_statusError_spanErrorWithDescriptionAndCode() throws Exception {
    assertThatThrownBy(() -> unary(channel(), "fail"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    telemetry.awaitTraces(1).hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("test.Echo/Unary")
            .hasStatus(io.opentelemetry.sdk.trace.data.StatusData.create(StatusCode.ERROR, "no such thing"))
            .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 5L)));
  }

  @Test
  void unary_handlerThrows_clientSeesUnknownAsError() throws Exception {
    assertThatThrownBy(() -> unary(channel(), "throw")).isInstanceOf(StatusRuntimeException.class);
    SpanData client = telemetry.awaitSpans(1).get(0);
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(client).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, (long) Status.Code.UNKNOWN.value());
  }

  @Test
  void unary_cancelledByCaller_cancelledSpanEndedOnce() throws Exception {
    ManagedChannel channel = channel();
    ClientCall<String, String> call = channel.newCall(TestService.UNARY, CallOptions.DEFAULT);
    AtomicReference<Throwable> error = new AtomicReference<>();
    ClientCalls.asyncUnaryCall(call, "hang", new StreamObserver<>() {
      @Override
      public void onNext(String value) {}

      @Override
      public void onError(Throwable t) {
        error.set(t);
      }

      @Override
      public void onCompleted() {}
    });
    call.cancel("caller gave up", new IllegalStateException("why"));
    SpanData client = telemetry.awaitSpans(1).get(0);
    assertThat(client)
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, (long) Status.Code.CANCELLED.value())
        .hasEventsSatisfyingExactly(e -> e.hasName("exception")
            .hasAttributesSatisfying(equalTo(AttributeKey.stringKey("exception.message"), "why")));
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(Status.fromThrowable(error.get()).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void unary_deadlineExceeded_spanDeadlineExceeded() throws Exception {
    ManagedChannel channel = channel();
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, TestService.UNARY,
        CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS), "hang"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    SpanData client = telemetry.awaitSpans(1).get(0);
    assertThat(client).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 4L);
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  @Test
  void serverStreaming_messageEvents_oneSpanWithSentAndReceivedEvents() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel).messageEvents(true).build());
    Iterator<String> replies = ClientCalls.blockingServerStreamingCall(
        channel, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "ok");
    List<String> all = new ArrayList<>();
    replies.forEachRemaining(all::add);
    assertThat(all).containsExactly("a", "b", "c");
    SpanData client = telemetry.awaitSpans(1).get(0);
    assertThat(client).hasName("test.Echo/ServerStream").hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L);
    assertThat(client.getEvents()).extracting(e -> e.getAttributes().get(RpcSemconv.MESSAGE_TYPE)
        + "#" + e.getAttributes().get(RpcSemconv.MESSAGE_ID))
        .containsExactly("SENT#1", "RECEIVED#1", "RECEIVED#2", "RECEIVED#3");
  }

  @Test
  void clientStreamingAndBidi_ok_oneSpanEachEndedAfterTheLastMessage() throws Exception {
    ManagedChannel channel = channel();
    List<String> replies = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(2);
    StreamObserver<String> collect = new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        replies.add(value);
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
        channel.newCall(TestService.CLIENT_STREAMING, CallOptions.DEFAULT), collect);
    upload.onNext("ok");
    upload.onNext("x");
    assertThat(telemetry.exporter.getFinishedSpanItems()).as("not ended on messages").isEmpty();
    upload.onCompleted();
    StreamObserver<String> chat = ClientCalls.asyncBidiStreamingCall(
        channel.newCall(TestService.BIDI, CallOptions.DEFAULT), collect);
    chat.onNext("ok");
    chat.onCompleted();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(replies).containsExactlyInAnyOrder("ok,x", "echo:ok");
    assertThat(telemetry.awaitSpans(2)).extracting(SpanData::getName)
        .containsExactlyInAnyOrder("test.Echo/ClientStream", "test.Echo/Bidi");
  }

  @Test
  void unsampled_noSpanButContextAndBaggagePropagated() throws Exception {
    TestTelemetry off = new TestTelemetry(Sampler.parentBased(Sampler.alwaysOff()));
    try {
      ManagedChannel channel = channel(isolated(off.otel).build());
      Span parent = off.sdk.getTracer("test").spanBuilder("parent").startSpan();
      assertThat(parent.isRecording()).isFalse();
      try (Scope ignored = Context.current().with(parent)
          .with(Baggage.builder().put("request.id", "r-1").build()).makeCurrent()) {
        unary(channel, "ok");
      }
      assertThat(off.awaitSpans(0)).isEmpty();
      off.assertEachSpanEndedExactlyOnce();
      assertThat(off.ends.handedOutCount()).as("the unsampled client span, ended once").isEqualTo(1);
      String traceparent = received.get(0).get(GrpcMetadata.asciiKey("traceparent"));
      assertThat(traceparent).startsWith("00-" + parent.getSpanContext().getTraceId() + "-");
      assertThat(TestTelemetry.sampledFlag(traceparent)).isFalse();
      assertThat(received.get(0).get(GrpcMetadata.asciiKey("baggage"))).isEqualTo("request.id=r-1");
    } finally {
      off.close();
    }
  }

  @Test
  void methodFilter_excludedMethod_noSpanNoInjection() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .methodFilter(m -> !m.method().equals("Unary")).build());
    unary(channel, "ok");
    ClientCalls.blockingServerStreamingCall(channel, TestService.SERVER_STREAMING, CallOptions.DEFAULT, "ok")
        .forEachRemaining(s -> { });
    assertThat(telemetry.awaitSpans(1).get(0)).hasName("test.Echo/ServerStream");
    assertThat(received.get(0).containsKey(GrpcMetadata.asciiKey("traceparent"))).isFalse();
  }

  @Test
  void metadataCapture_requestAndResponseAllowlists_caseInsensitiveBinarySkipped() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .captureRequestMetadata(List.of("X-Tenant", "x-bytes-bin", "absent"))
        .captureResponseMetadata(List.of("X-Served-By", "x-trailer"))
        .build());
    Metadata extra = new Metadata();
    extra.put(GrpcMetadata.asciiKey("x-tenant"), "acme");
    extra.put(Metadata.Key.of("x-bytes-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1});
    ClientCalls.blockingUnaryCall(
        channel.newCall(TestService.UNARY, CallOptions.DEFAULT), "ok");
    io.grpc.Channel withHeaders = io.grpc.ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(extra));
    ClientCalls.blockingUnaryCall(withHeaders, TestService.UNARY, CallOptions.DEFAULT, "ok");
    SpanData second = telemetry.awaitSpans(2).get(1);
    assertThat(second)
        .hasAttribute(AttributeKey.stringArrayKey("rpc.grpc.request.metadata.x-tenant"), List.of("acme"))
        .hasAttribute(AttributeKey.stringArrayKey("rpc.grpc.response.metadata.x-served-by"), List.of("test"))
        .hasAttribute(AttributeKey.stringArrayKey("rpc.grpc.response.metadata.x-trailer"), List.of("t"));
    assertThat(second.getAttributes().asMap().keySet()).extracting(AttributeKey::getKey)
        .noneMatch(k -> k.contains("x-bytes") || k.contains("absent"));
  }

  @Test
  void semconvOptIn_rpc_newAttributesOnly() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .config(TracingConfig.of(Map.of(RpcSemconv.OPT_IN_KEY, "http,rpc"))).build());
    assertThatThrownBy(() -> unary(channel, "fail")).isInstanceOf(StatusRuntimeException.class);
    assertThat(telemetry.awaitSpans(1).get(0)).hasAttributesSatisfyingExactly(
        equalTo(RpcSemconv.RPC_SYSTEM_NAME, "grpc"),
        equalTo(RpcSemconv.RPC_METHOD, "test.Echo/Unary"),
        equalTo(RpcSemconv.RPC_RESPONSE_STATUS_CODE, "NOT_FOUND"),
        equalTo(RpcSemconv.ERROR_TYPE, "NOT_FOUND"),
        equalTo(RpcSemconv.SERVER_ADDRESS, "localhost"),
        satisfies(RpcSemconv.RPC_GRPC_DURATION_MS, d -> d.isGreaterThanOrEqualTo(0)));
  }

  @Test
  void semconvOptIn_rpcDup_bothGenerations() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .config(TracingConfig.of(Map.of(RpcSemconv.OPT_IN_KEY, "rpc/dup"))).build());
    unary(channel, "ok");
    assertThat(telemetry.awaitSpans(1).get(0))
        .hasAttribute(RpcSemconv.RPC_SYSTEM, "grpc")
        .hasAttribute(RpcSemconv.RPC_SYSTEM_NAME, "grpc")
        .hasAttribute(RpcSemconv.RPC_SERVICE, "test.Echo")
        .hasAttribute(RpcSemconv.RPC_METHOD, "test.Echo/Unary")
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L)
        .hasAttribute(RpcSemconv.RPC_RESPONSE_STATUS_CODE, "OK");
  }

  @Test
  void enrichers_seeRequestAndResponse_aFailingOneDoesNotBreakTheCall() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    AttributeEnricher recording = new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {
        seen.add(request.side() + " " + request.method().fullName() + " "
            + request.requestMetadata().get("traceparent").startsWith("00-")
            + " " + Baggage.fromContext(request.parentContext()).getEntryValue("k"));
        span.setAttribute("enriched", true);
      }

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        seen.add(response.statusName() + " " + response.statusCode() + " " + response.statusDescription());
      }
    };
    AttributeEnricher broken = new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {
        throw new IllegalStateException("enricher bug");
      }

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        throw new IllegalStateException("enricher bug");
      }
    };
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .enrichers(List.of(broken, recording)).build());
    try (Scope ignored = Baggage.builder().put("k", "v").build().makeCurrent()) {
      assertThatThrownBy(() -> unary(channel, "fail")).isInstanceOf(StatusRuntimeException.class);
    }
    assertThat(telemetry.awaitSpans(1).get(0)).hasAttribute(AttributeKey.booleanKey("enriched"), true);
    assertThat(seen).containsExactly(RpcSide.CLIENT + " test.Echo/Unary true v", "NOT_FOUND 5 no such thing");
  }

  @Test
  void enrichers_notCalledForUnsampledSpans() throws Exception {
    TestTelemetry off = new TestTelemetry(Sampler.alwaysOff());
    try {
      List<String> seen = new CopyOnWriteArrayList<>();
      AttributeEnricher recording = new AttributeEnricher() {
        @Override
        public void onStart(RpcRequestInfo request, Span span) {
          seen.add("start");
        }
      };
      unary(channel(isolated(off.otel).enrichers(List.of(recording)).build()), "ok");
      assertThat(seen).isEmpty();
    } finally {
      off.close();
    }
  }

  @Test
  void grpcContextCarriesParent_whenOpenTelemetryContextIsRoot() throws Exception {
    ManagedChannel channel = channel();
    Span parent = telemetry.sdk.getTracer("test").spanBuilder("parent").startSpan();
    io.grpc.Context grpcContext = GrpcContextBridge.withOpenTelemetry(
        io.grpc.Context.current(), Context.root().with(parent));
    // as on a worker thread reached through io.grpc.Context.currentContextExecutor
    grpcContext.run(() -> unary(channel, "ok"));
    parent.end();
    List<SpanData> spans = telemetry.awaitSpans(2);
    assertThat(spans.get(0)).hasKind(SpanKind.CLIENT).hasParentSpanId(parent.getSpanContext().getSpanId());
  }

  @Test
  void explicitRootContext_winsOverTheParentCarriedByGrpcContext() throws Exception {
    ManagedChannel channel = channel();
    Span parent = telemetry.sdk.getTracer("test").spanBuilder("parent").startSpan();
    io.grpc.Context grpcContext = GrpcContextBridge.withOpenTelemetry(
        io.grpc.Context.current(), Context.root().with(parent));
    // A handler (whose gRPC context carries its server span) that starts a fresh trace on purpose.
    grpcContext.run(() -> {
      try (Scope ignored = Context.root().makeCurrent()) {
        unary(channel, "ok");
      }
    });
    parent.end();
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData client = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(client).hasNoParent();
    assertThat(client.getTraceId()).isNotEqualTo(parent.getSpanContext().getTraceId());
  }

  @Test
  void start_interceptorsFurtherDownAndSendMessage_runWithTheClientSpanCurrent() throws Exception {
    Span parent = telemetry.sdk.getTracer("test").spanBuilder("parent").startSpan();
    Map<String, io.opentelemetry.api.trace.SpanContext> seen = new java.util.concurrent.ConcurrentHashMap<>();
    io.grpc.ClientInterceptor below = new io.grpc.ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          io.grpc.MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, io.grpc.Channel next) {
        return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(ClientCall.Listener<RespT> listener, Metadata headers) {
            seen.put("start", Span.current().getSpanContext());
            super.start(listener, headers);
          }

          @Override
          public void sendMessage(ReqT message) {
            seen.put("sendMessage", Span.current().getSpanContext());
            super.sendMessage(message);
          }
        };
      }
    };
    // Added first, so it runs after (below) the tracing interceptor.
    ManagedChannel channel = isolated(telemetry.otel).build()
        .applyTo(InProcessChannelBuilder.forName(serverName).directExecutor().intercept(below)).build();
    channels.add(channel);
    try (Scope ignored = Context.root().with(parent).makeCurrent()) {
      unary(channel, "ok");
      assertThat(Span.current()).isSameAs(parent);
    }
    parent.end();
    SpanData client = telemetry.awaitSpans(2).stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(seen.get("start")).isEqualTo(client.getSpanContext());
    assertThat(seen.get("sendMessage")).isEqualTo(client.getSpanContext());
  }

  @Test
  void callListener_toldOfSampledAndUnsampledCallsOnceWithCounts() throws Exception {
    List<String> ended = new CopyOnWriteArrayList<>();
    dev.acitrace.grpc.internal.CallListener listener = (method, side, code, nanos, requests, responses,
        requestBytes, responseBytes, server, callContext) -> ended.add(method.method().fullName() + " " + side
            + " " + code + " req=" + requests + " resp=" + responses + " timed=" + (nanos > 0) + " bytes="
            + requestBytes + "/" + responseBytes + " server=" + server.size()
            + " callSpan=" + Span.fromContext(callContext).getSpanContext().isValid());
    for (Sampler sampler : List.of(Sampler.alwaysOn(), Sampler.alwaysOff())) {
      TestTelemetry other = new TestTelemetry(sampler);
      try {
        GrpcClientTracing.Builder builder = isolated(other.otel);
        dev.acitrace.grpc.internal.TracingHooks.callListener(builder, listener);
        ManagedChannel channel = channel(builder.build());
        unary(channel, "ok");
        assertThatThrownBy(() -> unary(channel, "fail")).isInstanceOf(StatusRuntimeException.class);
      } finally {
        other.close();
      }
    }
    assertThat(ended).containsExactly(
        "test.Echo/Unary CLIENT OK req=1 resp=1 timed=true bytes=-1/-1 server=1 callSpan=true",
        "test.Echo/Unary CLIENT NOT_FOUND req=1 resp=0 timed=true bytes=-1/-1 server=1 callSpan=true",
        "test.Echo/Unary CLIENT OK req=1 resp=1 timed=true bytes=-1/-1 server=1 callSpan=true",
        "test.Echo/Unary CLIENT NOT_FOUND req=1 resp=0 timed=true bytes=-1/-1 server=1 callSpan=true");
  }

  @Test
  void attemptTracing_factoryAddedToTheCallOptions_tracersSeeTheClientSpan() throws Exception {
    List<io.opentelemetry.api.trace.SpanContext> attempts = new CopyOnWriteArrayList<>();
    GrpcClientTracing.Builder builder = isolated(telemetry.otel);
    dev.acitrace.grpc.internal.TracingHooks.attemptTracing(builder, call -> new io.grpc.ClientStreamTracer.Factory() {
      @Override
      public io.grpc.ClientStreamTracer newClientStreamTracer(
          io.grpc.ClientStreamTracer.StreamInfo info, Metadata headers) {
        attempts.add(call.span().getSpanContext());
        return new io.grpc.ClientStreamTracer() {};
      }
    });
    unary(channel(builder.build()), "ok");
    SpanData client = telemetry.awaitSpans(1).get(0);
    assertThat(attempts).containsExactly(client.getSpanContext());
  }

  @Test
  void samplingAttributes_samplerSeesMethodAndServer() throws Exception {
    List<String> sampled = new CopyOnWriteArrayList<>();
    Sampler recordingSampler = new Sampler() {
      @Override
      public io.opentelemetry.sdk.trace.samplers.SamplingResult shouldSample(Context parentContext, String traceId,
          String name, SpanKind spanKind, io.opentelemetry.api.common.Attributes attributes,
          List<io.opentelemetry.sdk.trace.data.LinkData> parentLinks) {
        sampled.add(attributes.get(RpcSemconv.RPC_METHOD) + "@" + attributes.get(RpcSemconv.SERVER_ADDRESS));
        return io.opentelemetry.sdk.trace.samplers.SamplingResult.recordAndSample();
      }

      @Override
      public String getDescription() {
        return "recording";
      }
    };
    TestTelemetry custom = new TestTelemetry(recordingSampler);
    try {
      unary(channel(isolated(custom.otel).build()), "ok");
      unary(channel(isolated(custom.otel).samplingAttributes(true).build()), "ok");
      assertThat(sampled).containsExactly("null@null", "Unary@localhost");
      assertThat(custom.awaitSpans(2)).allSatisfy(span -> assertThat(span)
          .hasAttribute(RpcSemconv.RPC_METHOD, "Unary")
          .hasAttribute(RpcSemconv.SERVER_ADDRESS, "localhost"));
    } finally {
      custom.close();
    }
  }

  @Test
  void instrument_usesGlobalOpenTelemetry() throws Exception {
    io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
    io.opentelemetry.api.GlobalOpenTelemetry.set(telemetry.sdk);
    try {
      ManagedChannel channel = GrpcClientTracing.instrument(
          InProcessChannelBuilder.forName(serverName).directExecutor()).build();
      channels.add(channel);
      unary(channel, "ok");
      assertThat(telemetry.awaitSpans(1).get(0)).hasKind(SpanKind.CLIENT).hasName("test.Echo/Unary");
    } finally {
      io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
    }
  }

  @Test
  void builder_invalidArguments_failNamingTheArgument() {
    assertThatThrownBy(() -> GrpcClientTracing.builder(null)).hasMessageContaining("openTelemetry");
    assertThatThrownBy(() -> GrpcClientTracing.builder(telemetry.otel).target(" "))
        .hasMessageContaining("target");
    assertThatThrownBy(() -> GrpcClientTracing.builder(telemetry.otel)
        .captureRequestMetadata(List.of("bad key"))
        .build()).hasMessageContaining("metadata key");
    assertThatThrownBy(() -> GrpcClientTracing.builder(telemetry.otel).statusRule(null))
        .hasMessageContaining("statusRule");
    assertThatThrownBy(() -> GrpcClientTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of("acitrace.span.namer", "nope"))).build())
        .hasMessageContaining("acitrace.span.namer");
  }

  @Test
  void target_unixSocket_serverAddressIsThePath() throws Exception {
    ManagedChannel channel = channel(isolated(telemetry.otel)
        .target("unix:///run/acitrace/snap.sock").build());
    unary(channel, "ok");
    assertThat(telemetry.awaitSpans(1).get(0))
        .hasAttribute(RpcSemconv.SERVER_ADDRESS, "/run/acitrace/snap.sock");
    assertThat(telemetry.awaitSpans(1).get(0).getAttributes().get(RpcSemconv.SERVER_PORT)).isNull();
  }

  @Test
  void enricherThrowsAssertionErrorOnEnd_callStillCompletesAndSpanEnds() throws Exception {
    AttributeEnricher failing = new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {
        throw new AssertionError("onStart");
      }

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        throw new AssertionError("onEnd");
      }
    };
    ManagedChannel channel = channel(isolated(telemetry.otel).enrichers(List.of(failing)).build());
    String reply = ClientCalls.futureUnaryCall(channel.newCall(TestService.UNARY, CallOptions.DEFAULT), "ok")
        .get(5, TimeUnit.SECONDS);
    assertThat(reply).isNotNull();
    assertThat(telemetry.awaitSpans(1).get(0)).hasKind(SpanKind.CLIENT)
        .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L);
  }

  @Test
  void callbacksRunWithCallersContext_followUpCallFromOnCloseContinuesTheTrace() throws Exception {
    // Callbacks on a thread of their own, where nothing is current unless the interceptor makes it so.
    ExecutorService callbacks = Executors.newSingleThreadExecutor();
    ManagedChannel channel = isolated(telemetry.otel).build()
        .applyTo(InProcessChannelBuilder.forName(serverName).executor(callbacks)).build();
    try {
      Span parent = telemetry.sdk.getTracer("test").spanBuilder("parent").startSpan();
      AtomicReference<String> seenInCallbacks = new AtomicReference<>("");
      // The follow-up's own callbacks need this thread: start it here, wait for it outside.
      CompletableFuture<Future<String>> followUp = new CompletableFuture<>();
      try (Scope ignored = parent.makeCurrent()) {
        ClientCall<String, String> call = channel.newCall(TestService.UNARY, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
          @Override
          public void onHeaders(Metadata headers) {
            seenInCallbacks.accumulateAndGet("h:" + Span.current().getSpanContext().getSpanId(), String::concat);
          }

          @Override
          public void onMessage(String message) {
            seenInCallbacks.accumulateAndGet(" m:" + Span.current().getSpanContext().getSpanId(), String::concat);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            seenInCallbacks.accumulateAndGet(" c:" + Span.current().getSpanContext().getSpanId(), String::concat);
            followUp.complete(ClientCalls.futureUnaryCall(channel.newCall(TestService.UNARY, CallOptions.DEFAULT),
                "again"));
          }
        }, new Metadata());
        call.sendMessage("first");
        call.halfClose();
        call.request(1);
      }
      assertThat(followUp.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)).isNotNull();
      parent.end();
      String parentId = parent.getSpanContext().getSpanId();
      assertThat(seenInCallbacks.get()).isEqualTo("h:" + parentId + " m:" + parentId + " c:" + parentId);
      List<SpanData> spans = telemetry.awaitSpans(3);
      assertThat(spans).filteredOn(span -> span.getKind() == SpanKind.CLIENT).hasSize(2)
          .allSatisfy(span -> assertThat(span).hasTraceId(parent.getSpanContext().getTraceId())
              .hasParentSpanId(parentId));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      callbacks.shutdownNow();
    }
  }
}
