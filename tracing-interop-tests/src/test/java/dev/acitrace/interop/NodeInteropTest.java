package dev.acitrace.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.baggage.BaggageContext;
import dev.acitrace.baggage.BaggageKeys;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import dev.acitrace.interop.NodePeer.CallResult;
import dev.acitrace.interop.NodePeer.NodeSpan;
import dev.acitrace.interop.proto.HopReply;
import dev.acitrace.interop.proto.HopRequest;
import dev.acitrace.interop.proto.Observation;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Cross-language interoperability with an independent peer: @grpc/grpc-js traced by OpenTelemetry JS's
 * instrumentation-grpc with the W3C trace-context and baggage propagators (interop/node). Two chains, unary
 * and server streaming, successful and failing:
 * <ul>
 *   <li>Node client -> our server (GrpcServerTracing) -> the handler's call (GrpcClientTracing) -> Node server;
 *   <li>our client -> Node server.
 * </ul>
 * Each asserts one trace id, every parent, the baggage (Unicode included) and the request id at every hop,
 * and the span statuses the semantic conventions ask of our spans (client: every non-OK code is an error;
 * server: only server faults), next to what the Node instrumentation records.
 *
 * <p>Runs only with {@code ACITRACE_NODE_INTEROP=1} (CI sets it after {@code npm ci} in interop/node); then
 * it fails, never skips, when node or the npm packages are missing.
 */
@EnabledIfEnvironmentVariable(named = NodePeer.ENV, matches = "1|true",
    disabledReason = "cross-language interop runs only with ACITRACE_NODE_INTEROP=1 (after 'npm ci' in interop/node)")
class NodeInteropTest {
  private static final String UNARY = "acitrace.interop.v1.Interop/Unary";
  private static final String SERVER_STREAM = "acitrace.interop.v1.Interop/ServerStream";
  private static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request.id");

  /** Baggage crossing every hop: Unicode (BMP and a surrogate pair), and characters the codec must escape. */
  private static final Map<String, String> BAGGAGE = orderedMap(
      "unicode", "héllo wörld ✓ 日本 🚀",
      "punctuation", "a,b;c=d%20 e\"f",
      BaggageKeys.IMAGE_NAME, "docker.io/library/busybox");

  private static NodePeer peer;
  private static NodePeer.Server nodeServer;
  private static InMemorySpanExporter exporter;
  private static OpenTelemetry openTelemetry;
  private static Server javaServer;
  private static JavaInteropService service;
  private static ManagedChannel toNode;

  @BeforeAll
  static void startPeers() throws Exception {
    peer = NodePeer.locate();
    nodeServer = peer.serve();
    exporter = InMemorySpanExporter.create();
    openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create())))
        .build();
    GrpcClientTracing clientTracing = GrpcClientTracing.create(openTelemetry);
    service = new JavaInteropService(target -> clientTracing
        .applyTo(NettyChannelBuilder.forTarget(target).usePlaintext()).build());
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service.definition())
        .intercept(JavaInteropService.headerCapture());
    javaServer = GrpcServerTracing.create(openTelemetry).applyTo(builder).build().start();
    toNode = clientTracing.applyTo(NettyChannelBuilder.forTarget(nodeServer.target()).usePlaintext()).build();
  }

  @AfterAll
  static void stopPeers() throws InterruptedException {
    if (toNode != null) {
      toNode.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.close();
    }
    if (javaServer != null) {
      javaServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (nodeServer != null) {
      nodeServer.close();
    }
  }

  @BeforeEach
  void clearSpans() {
    exporter.reset();
  }

  // ---- Node client -> Java server -> Node server ------------------------------------------------------

  @Test
  void nodeClientJavaServerNodeServer_unary_oneTraceParentsBaggageAndRequestIdAtEveryHop() throws Exception {
    CallResult result = nodeCall(UNARY, request(0, 0), "req-interop-unary");

    assertThat(result.code()).as("status at the Node client").isZero();
    assertThat(result.messages).hasSize(1);
    Chain chain = chain(result, UNARY);
    chain.assertLinked();
    chain.assertHops(hops(result.message(0)), "req-interop-unary");
    assertThat(chain.javaServer.getAttributes().get(REQUEST_ID)).isEqualTo("req-interop-unary");
    assertThat(chain.javaServer.getAttributes().get(AttributeKey.stringKey("baggage.image.name")))
        .as("an allowlisted baggage entry from the Node caller, on our server span")
        .isEqualTo("docker.io/library/busybox");
    chain.assertStatuses(0);
  }

  @Test
  void nodeClientJavaServerNodeServer_serverStream_everyMessageCarriesTheSameTrace() throws Exception {
    CallResult result = nodeCall(SERVER_STREAM, request(3, 0), "req-interop-stream");

    assertThat(result.code()).isZero();
    assertThat(result.messages).hasSize(3);
    Chain chain = chain(result, SERVER_STREAM);
    chain.assertLinked();
    for (int i = 0; i < 3; i++) {
      assertThat(((Number) result.message(i).get("index")).intValue()).isEqualTo(i);
      chain.assertHops(hops(result.message(i)), "req-interop-stream");
    }
    chain.assertStatuses(0);
  }

  @Test
  void nodeClientJavaServerNodeServer_noRequestId_ourGeneratedIdReachesTheNodeServer() throws Exception {
    CallResult result = nodeCall(UNARY, request(0, 0), null);

    assertThat(result.code()).isZero();
    Chain chain = chain(result, UNARY);
    String generated = chain.javaServer.getAttributes().get(REQUEST_ID);
    assertThat(generated).as("generated request id on our server span").matches("[0-9a-f]{32}");
    chain.assertLinked();
    chain.assertHops(hops(result.message(0)), generated);
  }

  @Test
  void nodeClientJavaServerNodeServer_unaryClientFault_serverSpansFollowEachSidesRule() throws Exception {
    CallResult result = nodeCall(UNARY, request(0, Status.Code.NOT_FOUND.value()), "req-interop-404");

    assertThat(result.code()).isEqualTo(Status.Code.NOT_FOUND.value());
    Chain chain = chain(result, UNARY);
    chain.assertLinked();
    chain.assertStatuses(Status.Code.NOT_FOUND.value());
  }

  @Test
  void nodeClientJavaServerNodeServer_unaryServerFault_everySpanIsAnError() throws Exception {
    CallResult result = nodeCall(UNARY, request(0, Status.Code.INTERNAL.value()), "req-interop-500");

    assertThat(result.code()).isEqualTo(Status.Code.INTERNAL.value());
    Chain chain = chain(result, UNARY);
    chain.assertLinked();
    chain.assertStatuses(Status.Code.INTERNAL.value());
  }

  @Test
  void nodeClientJavaServerNodeServer_streamFailsAfterFirstMessage_statusesAndMessageArrive() throws Exception {
    CallResult result = nodeCall(SERVER_STREAM, request(3, Status.Code.NOT_FOUND.value()), "req-interop-s404");

    assertThat(result.code()).isEqualTo(Status.Code.NOT_FOUND.value());
    assertThat(result.messages).as("the message sent before the failure").hasSize(1);
    Chain chain = chain(result, SERVER_STREAM);
    chain.assertLinked();
    chain.assertHops(hops(result.message(0)), "req-interop-s404");
    chain.assertStatuses(Status.Code.NOT_FOUND.value());
  }

  @Test
  void nodeClientSendsHostileTraceparent_ourServerStartsANewTraceAndRelaysExactlyOneHeader() throws Exception {
    String hostile = "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"; // all-zero trace id: invalid
    List<String> args = new ArrayList<>(List.of("--target", "127.0.0.1:" + javaServer.getPort(),
        "--method", UNARY, "--request", request(0, 0), "--metadata", "traceparent=" + hostile,
        "--baggage", BaggageKeys.REQUEST_ID + "=req-interop-hostile"));
    CallResult result = peer.call(args);

    assertThat(result.code()).isZero();
    List<Map<String, Object>> hops = hops(result.message(0));
    String javaTrace = (String) hops.get(0).get("trace_id");
    assertThat(hops.get(0).get("traceparent")).as("what our server received").isEqualTo(hostile);
    assertThat(javaTrace).isNotEqualTo(result.onlySpan("CLIENT").traceId()).doesNotMatch("0+");
    List<SpanData> java = awaitJavaSpans(javaTrace, 2);
    SpanData server = only(java, SpanKind.SERVER);
    SpanData client = only(java, SpanKind.CLIENT);
    assertThat(server.getParentSpanContext().isValid()).as("a new trace: no parent").isFalse();
    assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(hops.get(1).get("traceparent")).as("one traceparent reaches the Node server, ours")
        .isEqualTo("00-" + javaTrace + "-" + client.getSpanId() + "-"
            + client.getSpanContext().getTraceFlags().asHex());
    assertThat(hops.get(1).get("baggage")).isEqualTo(Map.of(BaggageKeys.REQUEST_ID, "req-interop-hostile"));
  }

  // ---- Java client -> Node server ---------------------------------------------------------------------

  @Test
  void javaClientNodeServer_unary_nodeContinuesOurTraceWithBaggage() throws Exception {
    JavaCall call = javaCall(false, 0, 0);

    assertThat(call.failure).isNull();
    assertThat(call.replies).hasSize(1);
    call.assertLinkedAndSeen(Status.Code.OK);
  }

  @Test
  void javaClientNodeServer_serverStream_nodeContinuesOurTraceWithBaggage() throws Exception {
    JavaCall call = javaCall(true, 3, 0);

    assertThat(call.failure).isNull();
    assertThat(call.replies).hasSize(3);
    call.assertLinkedAndSeen(Status.Code.OK);
  }

  @Test
  void javaClientNodeServer_unaryFailure_ourClientSpanIsAnError() throws Exception {
    JavaCall call = javaCall(false, 0, Status.Code.NOT_FOUND.value());

    assertThat(call.failure).isNotNull();
    assertThat(call.failure.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    call.assertLinkedAndSeen(Status.Code.NOT_FOUND);
  }

  @Test
  void javaClientNodeServer_streamFailure_ourClientSpanIsAnError() throws Exception {
    JavaCall call = javaCall(true, 3, Status.Code.UNAVAILABLE.value());

    assertThat(call.failure).isNotNull();
    assertThat(call.failure.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.replies).as("the message sent before the failure").hasSize(1);
    call.assertLinkedAndSeen(Status.Code.UNAVAILABLE);
  }

  @Test
  void nodePeer_unknownMethod_failsAsUsageError() {
    assertThatThrownBy(() -> peer.call(List.of("--target", nodeServer.target(), "--method", "no.Such/Method")))
        .hasMessageContaining("exited 2");
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private static String request(int count, int failCode) {
    return "{\"text\":\"interop\",\"next\":[\"" + nodeServer.target() + "\"],\"count\":" + count
        + ",\"fail_code\":" + failCode + "}";
  }

  private static CallResult nodeCall(String method, String requestJson, String requestId) throws Exception {
    List<String> args = new ArrayList<>(List.of("--target", "127.0.0.1:" + javaServer.getPort(),
        "--method", method, "--request", requestJson, "--root-span", "node-root"));
    BAGGAGE.forEach((key, value) -> args.addAll(List.of("--baggage", key + "=" + value)));
    if (requestId != null) {
      args.addAll(List.of("--baggage", BaggageKeys.REQUEST_ID + "=" + requestId));
    }
    return peer.call(args);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> hops(Map<String, Object> message) {
    return (List<Map<String, Object>>) message.get("hops");
  }

  private static List<SpanData> awaitJavaSpans(String traceId, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<SpanData> spans = exporter.getFinishedSpanItems().stream()
          .filter(s -> s.getTraceId().equals(traceId)).toList();
      if (spans.size() >= count || System.nanoTime() > deadline) {
        assertThat(spans).as("our spans of trace " + traceId).hasSize(count);
        return spans;
      }
      Thread.sleep(20);
    }
  }

  private static SpanData only(List<SpanData> spans, SpanKind kind) {
    List<SpanData> found = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(found).as(kind + " spans among " + spans).hasSize(1);
    return found.get(0);
  }

  private static Chain chain(CallResult result, String method) throws InterruptedException {
    NodeSpan nodeClient = result.onlySpan("CLIENT");
    NodeSpan nodeRoot = result.onlySpan("INTERNAL");
    String traceId = nodeClient.traceId();
    List<SpanData> java = awaitJavaSpans(traceId, 2);
    List<NodeSpan> downstream = nodeServer.awaitSpans(spans -> spans.stream()
        .anyMatch(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER")));
    NodeSpan nodeServerSpan = downstream.stream()
        .filter(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER")).findFirst().orElseThrow();
    return new Chain(method, nodeRoot, nodeClient, only(java, SpanKind.SERVER), only(java, SpanKind.CLIENT),
        nodeServerSpan);
  }

  /** Node client -> Java server -> Java client -> Node server, as each side recorded it. */
  private record Chain(String method, NodeSpan nodeRoot, NodeSpan nodeClient, SpanData javaServer,
      SpanData javaClient, NodeSpan nodeServer) {

    void assertLinked() {
      String traceId = nodeClient.traceId();
      assertThat(nodeClient.parentSpanId()).as("Node client span's parent").isEqualTo(nodeRoot.spanId());
      assertThat(nodeClient.name()).isEqualTo("grpc." + method);
      assertThat(javaServer.getName()).isEqualTo(method);
      assertThat(javaServer.getTraceId()).isEqualTo(traceId);
      assertThat(javaServer.getParentSpanContext().isRemote()).isTrue();
      assertThat(javaServer.getParentSpanId()).as("our server span's parent: the Node client span")
          .isEqualTo(nodeClient.spanId());
      assertThat(javaClient.getName()).isEqualTo(method);
      assertThat(javaClient.getParentSpanId()).as("our client span's parent: our server span")
          .isEqualTo(javaServer.getSpanId());
      assertThat(nodeServer.traceId()).isEqualTo(traceId);
      assertThat(nodeServer.parentSpanId()).as("Node server span's parent: our client span")
          .isEqualTo(javaClient.getSpanId());
    }

    void assertHops(List<Map<String, Object>> hops, String requestId) {
      assertThat(hops).hasSize(2);
      Map<String, Object> java = hops.get(0);
      Map<String, Object> node = hops.get(1);
      assertThat(java.get("peer")).isEqualTo("java");
      assertThat(java.get("trace_id")).isEqualTo(nodeClient.traceId());
      assertThat(java.get("span_id")).as("span current in our handler").isEqualTo(javaServer.getSpanId());
      assertThat(java.get("traceparent")).as("one traceparent, from the Node client")
          .isEqualTo("00-" + nodeClient.traceId() + "-" + nodeClient.spanId() + "-01");
      assertThat(node.get("peer")).isEqualTo("node");
      assertThat(node.get("trace_id")).isEqualTo(nodeClient.traceId());
      assertThat(node.get("span_id")).isEqualTo(nodeServer.spanId());
      assertThat(node.get("traceparent")).as("one traceparent, from our client span")
          .isEqualTo("00-" + nodeClient.traceId() + "-" + javaClient.getSpanId() + "-"
              + javaClient.getSpanContext().getTraceFlags().asHex());
      Map<String, String> expected = new LinkedHashMap<>(BAGGAGE);
      expected.put(BaggageKeys.REQUEST_ID, requestId);
      assertThat(java.get("baggage")).as("baggage in our handler").isEqualTo(expected);
      assertThat(node.get("baggage")).as("baggage in the Node handler behind us").isEqualTo(expected);
      assertThat((String) node.get("baggage_header")).as("one baggage header").doesNotContain("\n");
    }

    void assertStatuses(int code) {
      boolean serverFault = code == Status.Code.INTERNAL.value() || code == Status.Code.UNAVAILABLE.value()
          || code == Status.Code.UNKNOWN.value();
      // ours: the semantic conventions' rule (client: every non-OK is an error; server: server faults only)
      assertThat(javaServer.getAttributes().get(GRPC_STATUS)).isEqualTo(code);
      assertThat(javaServer.getStatus().getStatusCode())
          .as("our server span for code " + code)
          .isEqualTo(code == 0 || !serverFault ? StatusCode.UNSET : StatusCode.ERROR);
      assertThat(javaClient.getAttributes().get(GRPC_STATUS)).isEqualTo(code);
      assertThat(javaClient.getStatus().getStatusCode()).as("our client span for code " + code)
          .isEqualTo(code == 0 ? StatusCode.UNSET : StatusCode.ERROR);
      // theirs: instrumentation-grpc marks every non-OK code an error on both sides
      assertThat(((Number) nodeClient.attribute("rpc.grpc.status_code")).intValue()).isEqualTo(code);
      assertThat(nodeClient.status()).isEqualTo(code == 0 ? "UNSET" : "ERROR");
      assertThat(((Number) nodeServer.attribute("rpc.grpc.status_code")).intValue()).isEqualTo(code);
      assertThat(nodeServer.status()).isEqualTo(code == 0 ? "UNSET" : "ERROR");
    }
  }

  private JavaCall javaCall(boolean stream, int count, int failCode) throws Exception {
    HopRequest request = HopRequest.newBuilder().setText("interop").setCount(count).setFailCode(failCode).build();
    Span root = openTelemetry.getTracer("interop-test").spanBuilder("java-root").setNoParent().startSpan();
    Context context = BaggageContext.REQUEST_ID.with(
        BaggageContext.withAll(Context.root().with(root), BAGGAGE), "req-java-" + count + "-" + failCode);
    JavaCall call = new JavaCall(root, BaggageContext.REQUEST_ID.get(context));
    try (Scope ignored = context.makeCurrent()) {
      if (stream) {
        Iterator<HopReply> replies =
            ClientCalls.blockingServerStreamingCall(toNode, JavaInteropService.SERVER_STREAM, CallOptions.DEFAULT,
                request);
        while (replies.hasNext()) {
          call.replies.add(replies.next());
        }
      } else {
        call.replies.add(ClientCalls.blockingUnaryCall(toNode, JavaInteropService.UNARY, CallOptions.DEFAULT,
            request));
      }
    } catch (StatusRuntimeException e) {
      call.failure = e;
    } finally {
      root.end();
    }
    call.method = stream ? SERVER_STREAM : UNARY;
    return call;
  }

  /** Our client -> Node server, as each side recorded it. */
  private static final class JavaCall {
    final Span root;
    final String requestId;
    final List<HopReply> replies = new ArrayList<>();
    StatusRuntimeException failure;
    String method;

    JavaCall(Span root, String requestId) {
      this.root = root;
      this.requestId = requestId;
    }

    void assertLinkedAndSeen(Status.Code code) throws InterruptedException {
      String traceId = root.getSpanContext().getTraceId();
      SpanData client = only(awaitJavaSpans(traceId, 2), SpanKind.CLIENT);
      assertThat(client.getName()).isEqualTo(method);
      assertThat(client.getParentSpanId()).isEqualTo(root.getSpanContext().getSpanId());
      assertThat(client.getAttributes().get(GRPC_STATUS)).isEqualTo(code.value());
      assertThat(client.getStatus().getStatusCode()).isEqualTo(code == Status.Code.OK ? StatusCode.UNSET
          : StatusCode.ERROR);
      NodeSpan server = nodeServer.awaitSpans(spans -> spans.stream()
          .anyMatch(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER"))).stream()
          .filter(s -> s.traceId().equals(traceId) && s.kind().equals("SERVER")).findFirst().orElseThrow();
      assertThat(server.parentSpanId()).as("Node server span's parent: our client span")
          .isEqualTo(client.getSpanId());
      assertThat(server.name()).isEqualTo("grpc." + method);
      assertThat(((Number) server.attribute("rpc.grpc.status_code")).intValue()).isEqualTo(code.value());
      Map<String, String> expected = new LinkedHashMap<>(BAGGAGE);
      expected.put(BaggageKeys.REQUEST_ID, requestId);
      for (HopReply reply : replies) {
        assertThat(reply.getHopsList()).hasSize(1);
        Observation node = reply.getHops(0);
        assertThat(node.getPeer()).isEqualTo("node");
        assertThat(node.getTraceId()).isEqualTo(traceId);
        assertThat(node.getSpanId()).isEqualTo(server.spanId());
        assertThat(node.getTraceparent()).as("one traceparent, from our client span")
            .isEqualTo("00-" + traceId + "-" + client.getSpanId() + "-" + client.getSpanContext().getTraceFlags().asHex());
        assertThat(node.getBaggageMap()).isEqualTo(expected);
        assertThat(node.getBaggageHeader()).doesNotContain("\n");
      }
    }
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
