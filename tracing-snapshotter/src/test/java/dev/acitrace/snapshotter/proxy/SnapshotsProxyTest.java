package dev.acitrace.snapshotter.proxy;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.baggage.BaggageKeys;
import dev.acitrace.snapshotter.TracingSnapshotter;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsService;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.PrepareSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsProxyTest {

  private static final Metadata.Key<String> CALLER_HEADER = Metadata.Key.of("x-caller", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> CALLER_BIN = Metadata.Key.of("x-caller-bin", Metadata.BINARY_BYTE_MARSHALLER);
  private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> UPSTREAM_HEADER = Metadata.Key.of("x-upstream", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> DETAILS = Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  @TempDir
  Path temp;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private ProxyHarness harness(ServerServiceDefinition upstream) throws Exception {
    ProxyHarness harness = new ProxyHarness().start(upstream);
    closeables.add(harness);
    return harness;
  }

  private DirectorySnapshotter directory(String name) throws Exception {
    DirectorySnapshotter directory = DirectorySnapshotter.open(temp.resolve(name));
    closeables.add(directory);
    return directory;
  }

  // ------------------------------------------------------------------------------------ transparency

  @Test
  void everyRpc_throughProxy_answersAsTheUpstreamDirectly() throws Exception {
    DirectorySnapshotter direct = directory("direct");
    DirectorySnapshotter proxied = directory("proxied");
    ProxyHarness straight = harness(SnapshotsService.bind(direct));
    ProxyHarness viaProxy = harness(SnapshotsService.bind(proxied));

    List<String> withoutProxy = Scenario.run(straight.toUpstream(), direct.root());
    List<String> withProxy = Scenario.run(viaProxy.toProxyUntraced(), proxied.root());

    assertThat(withProxy).isEqualTo(withoutProxy);
    // and the scenario does see every kind of answer, not only errors
    assertThat(String.join("\n", withoutProxy))
        .contains("Prepare -> ok mounts", "ALREADY_EXISTS", "NOT_FOUND", "FAILED_PRECONDITION", "Usage -> ok",
            "containerd.io/snapshot/remote/stargz.reference", "List -> ok [", "Cleanup -> ok");
    assertThat(viaProxy.spans.getFinishedSpanItems()).extracting(SpanData::getName)
        .contains("snapshotter.Prepare", "snapshotter.View", "snapshotter.Mounts", "snapshotter.Commit",
            "snapshotter.Remove", "snapshotter.Stat", "snapshotter.Update", "snapshotter.Walk",
            "snapshotter.Usage", "snapshotter.Cleanup");
  }

  @Test
  void everyRpc_proxySpan_carriesTheSnapshotAttributesOfTracingSnapshottersSpan() throws Exception {
    DirectorySnapshotter direct = directory("direct");
    DirectorySnapshotter proxied = directory("proxied");
    ProxyHarness decorated = new ProxyHarness();
    closeables.add(decorated);
    decorated.start(SnapshotsService.bind(TracingSnapshotter.wrap(direct, decorated.sdk)));
    ProxyHarness viaProxy = harness(SnapshotsService.bind(proxied));

    Scenario.run(decorated.toUpstream(), direct.root());
    Scenario.run(viaProxy.toProxyUntraced(), proxied.root());

    List<String> expected = new ArrayList<>(snapshotAttributes(decorated.spans.getFinishedSpanItems()));
    // the scenario's last request does not parse: the proxy forwards it under a span without
    // attributes, the gRPC binding rejects it before the decorator is called
    expected.add("snapshotter.Stat {}");
    assertThat(snapshotAttributes(viaProxy.spans.getFinishedSpanItems())).isEqualTo(expected);
    assertThat(String.join("\n", expected)).contains("snapshot.mounts.count", "snapshot.usage.size",
        "snapshot.update.paths", "snapshot.filters", "snapshot.count", "snapshot.name", "snapshot.parent");
  }

  /** Each snapshotter span as its name and its {@code snapshot.*} attributes, in the order they ended. */
  private static List<String> snapshotAttributes(List<SpanData> spans) {
    List<String> described = new ArrayList<>();
    for (SpanData span : spans) {
      if (span.getName().startsWith("snapshotter.")) {
        Map<String, Object> attributes = new TreeMap<>();
        span.getAttributes().forEach((key, value) -> {
          if (key.getKey().startsWith("snapshot.")) {
            attributes.put(key.getKey(), value);
          }
        });
        described.add(span.getName() + " " + attributes);
      }
    }
    return described;
  }

  @Test
  void bytesHeadersTrailersAndDetails_passUnchanged() throws Exception {
    Recorder upstream = new Recorder();
    byte[] answer = concat(PrepareSnapshotRequest.newBuilder().build().toByteArray(),
        HexFormat.of().parseHex("0a0462696e64" + "fa0603ffff01")); // a mount's type, then unknown field 111
    upstream.answer = (call, request) -> {
      Metadata headers = new Metadata();
      headers.put(UPSTREAM_HEADER, "headers");
      call.sendHeaders(headers);
      call.sendMessage(answer);
      Metadata trailers = new Metadata();
      trailers.put(UPSTREAM_HEADER, "trailers");
      call.close(Status.OK, trailers);
    };
    ProxyHarness harness = harness(upstream.service());
    // a valid key, then an unknown field 99 and a string field with invalid UTF-8 (field 3, parent)
    byte[] request = concat(StatSnapshotRequest.newBuilder().setKey("k").build().toByteArray(),
        HexFormat.of().parseHex("9a0603010203" + "1a02c328"));
    Metadata headers = new Metadata();
    headers.put(CALLER_HEADER, "from caller");
    headers.put(CALLER_BIN, new byte[] {0, 1, 2});

    Captured got = call(harness.toProxyUntraced(), Operation.STAT, request, headers);

    assertThat(got.status.getCode()).isEqualTo(Status.Code.OK);
    assertThat(got.messages).singleElement().isEqualTo(answer);
    assertThat(got.headers.get(UPSTREAM_HEADER)).isEqualTo("headers");
    assertThat(got.trailers.get(UPSTREAM_HEADER)).isEqualTo("trailers");
    Recorder.Seen seen = upstream.calls.take();
    assertThat(seen.request).isEqualTo(request);
    assertThat(seen.headers.get(CALLER_HEADER)).isEqualTo("from caller");
    assertThat(seen.headers.get(CALLER_BIN)).isEqualTo(new byte[] {0, 1, 2});
    assertThat(seen.method).isEqualTo("containerd.services.snapshots.v1.Snapshots/Stat");
  }

  @Test
  void failure_codeDescriptionDetailsAndTrailers_reachTheCaller_spanIsError() throws Exception {
    Recorder upstream = new Recorder();
    byte[] details = HexFormat.of().parseHex("0805120e6e6f7420666f756e643a206b");
    upstream.answer = (call, request) -> {
      Metadata trailers = new Metadata();
      trailers.put(UPSTREAM_HEADER, "trailers");
      trailers.put(DETAILS, details);
      call.close(Status.NOT_FOUND.withDescription("snapshot k does not exist: not found"), trailers);
    };
    ProxyHarness harness = harness(upstream.service());

    Captured got = call(harness.toProxyUntraced(), Operation.STAT,
        StatSnapshotRequest.newBuilder().setKey("k").build().toByteArray(), new Metadata());

    assertThat(got.status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(got.status.getDescription()).isEqualTo("snapshot k does not exist: not found");
    assertThat(got.trailers.get(DETAILS)).isEqualTo(details);
    assertThat(got.trailers.get(UPSTREAM_HEADER)).isEqualTo("trailers");
    SpanData stat = span(harness, "snapshotter.Stat");
    assertThat(stat).hasStatus(io.opentelemetry.sdk.trace.data.StatusData.create(
        StatusCode.ERROR, "snapshot k does not exist: not found"));
    assertThat(stat.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("error.type")))
        .isEqualTo("NOT_FOUND");
  }

  @Test
  void deadline_reachesTheUpstream_asTheTimeLeft() throws Exception {
    Recorder upstream = new Recorder();
    ProxyHarness harness = harness(upstream.service());

    call(harness.toProxyUntraced(), Operation.STAT, StatSnapshotRequest.newBuilder().setKey("k").build().toByteArray(),
        new Metadata(), CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));

    Deadline deadline = upstream.calls.take().deadline;
    assertThat(deadline).isNotNull();
    assertThat(deadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 20_000L);
  }

  @Test
  void cancelledCaller_cancelsTheUpstreamCall() throws Exception {
    Recorder upstream = new Recorder();
    CountDownLatch upstreamCancelled = new CountDownLatch(1);
    upstream.answer = (call, request) ->
        Context.current().addListener(context -> upstreamCancelled.countDown(), Runnable::run); // never answers
    ProxyHarness harness = harness(upstream.service());
    ClientCall<byte[], byte[]> call = harness.toProxyUntraced().newCall(SnapshotsProxy.method(Operation.STAT),
        CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.sendMessage(StatSnapshotRequest.newBuilder().setKey("k").build().toByteArray());
    call.halfClose();
    call.request(1);
    upstream.calls.take(); // the upstream has the call

    call.cancel("containerd gave up", null);

    assertThat(upstreamCancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void list_streamsPageByPage_asTheCallerAsks() throws Exception {
    int pages = 1000;
    AtomicInteger sent = new AtomicInteger();
    CountDownLatch allSent = new CountDownLatch(1);
    Recorder upstream = new Recorder();
    upstream.answer = (call, request) -> {
      call.sendHeaders(new Metadata());
      Runnable pump = new Runnable() {
        @Override
        public synchronized void run() {
          while (call.isReady() && sent.get() < pages) {
            call.sendMessage(page(sent.getAndIncrement()));
          }
          if (sent.get() == pages && allSent.getCount() > 0) {
            allSent.countDown();
            call.close(Status.OK, new Metadata());
          }
        }
      };
      upstream.onReady = pump;
      pump.run();
    };
    ProxyHarness harness = harness(upstream.service());
    BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    CountDownLatch closed = new CountDownLatch(1);
    ClientCall<byte[], byte[]> call = harness.toProxyUntraced().newCall(SnapshotsProxy.method(Operation.LIST),
        CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        received.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.countDown();
      }
    }, new Metadata());
    call.sendMessage(ListSnapshotsRequest.getDefaultInstance().toByteArray());
    call.halfClose();

    call.request(1);
    assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(page(0));
    Thread.sleep(300); // time enough for a proxy that buffers to pull the whole answer
    assertThat(sent.get()).as("pages the upstream could send while the caller asked for one").isLessThan(10);

    call.request(Integer.MAX_VALUE);
    assertThat(allSent.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(received).hasSize(pages - 1);
    assertThat(received.stream().toList().get(pages - 2)).isEqualTo(page(pages - 1));
  }

  // --------------------------------------------------------------------------------------- tracing

  @Test
  void callerWithContext_oneTrace_callerServerSnapshotterClientUpstream_baggageReachesUpstream() throws Exception {
    Recorder upstream = new Recorder();
    ProxyHarness harness = harness(upstream.service());
    ManagedChannel channel = harness.toProxy();
    Span caller = harness.sdk.getTracer("caller").spanBuilder("containerd").startSpan();
    io.opentelemetry.context.Context context = io.opentelemetry.context.Context.current().with(caller)
        .with(Baggage.builder().put("user.id", "alice").put(BaggageKeys.REQUEST_ID, "req-42").build());
    try (Scope ignored = context.makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, SnapshotsProxy.method(Operation.PREPARE), CallOptions.DEFAULT,
          PrepareSnapshotRequest.newBuilder().setKey("default/1/k").setParent("p").putLabels("a", "b").build()
              .toByteArray());
    } finally {
      caller.end();
    }

    Recorder.Seen seen = upstream.calls.take();
    awaitSpans(harness, 6);
    SpanData proxyClient = harness.spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId().equals(span(harness, "snapshotter.Prepare").getSpanId()))
        .findFirst().orElseThrow();
    // exactly one traceparent reaches the upstream: the proxy's client span's
    assertThat(seen.headers.getAll(TRACEPARENT)).singleElement().asString()
        .contains(proxyClient.getTraceId()).contains(proxyClient.getSpanId());
    assertThat(seen.headers.getAll(BAGGAGE)).singleElement().asString()
        .contains("user.id=alice", "request.id=req-42", "snapshot.key=default%2F1%2Fk");

    String prepare = "containerd.services.snapshots.v1.Snapshots/Prepare";
    List<SpanData> trace = harness.spans.getFinishedSpanItems();
    SpanData root = byName(trace, "containerd");
    SpanData callerClient = child(trace, root, prepare, SpanKind.CLIENT);
    SpanData proxyServer = child(trace, callerClient, prepare, SpanKind.SERVER);
    SpanData snapshotter = child(trace, proxyServer, "snapshotter.Prepare", SpanKind.INTERNAL);
    SpanData client = child(trace, snapshotter, prepare, SpanKind.CLIENT);
    SpanData upstreamServer = child(trace, client, prepare, SpanKind.SERVER);
    assertThat(trace).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(root.getTraceId()));
    assertThat(snapshotter).hasAttributesSatisfying(
        equalTo(TracingSnapshotter.SNAPSHOT_KEY, "default/1/k"),
        equalTo(TracingSnapshotter.SNAPSHOT_PARENT, "p"),
        equalTo(TracingSnapshotter.SNAPSHOT_KIND, "active"),
        equalTo(TracingSnapshotter.SNAPSHOT_LABELS_COUNT, 1L));
    assertThat(upstreamServer.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("request.id")))
        .isEqualTo("req-42");
  }

  @Test
  void callerWithoutContext_proxyServerSpanIsTheRoot_withARequestId() throws Exception {
    ProxyHarness harness = harness(SnapshotsService.bind(directory("root")));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(harness.toProxyUntraced(),
        SnapshotsProxy.method(Operation.USAGE), CallOptions.DEFAULT,
        dev.acitrace.snapshotter.proto.UsageRequest.newBuilder().setKey("missing").build().toByteArray()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    String usage = "containerd.services.snapshots.v1.Snapshots/Usage";
    List<SpanData> trace = awaitSpans(harness, 4);
    SpanData server = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER && !s.getParentSpanContext().isValid())
        .findFirst().orElseThrow(() -> new AssertionError("no root server span in " + trace));
    assertThat(server.getName()).isEqualTo(usage);
    String requestId = server.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("request.id"));
    assertThat(requestId).isNotBlank();
    SpanData snapshotter = child(trace, server, "snapshotter.Usage", SpanKind.INTERNAL);
    assertThat(snapshotter).hasAttributesSatisfying(equalTo(TracingSnapshotter.SNAPSHOT_KEY, "missing"));
    SpanData upstreamServer = child(trace, child(trace, snapshotter, usage, SpanKind.CLIENT), usage, SpanKind.SERVER);
    // the request id generated at the proxy travels on to the upstream
    assertThat(upstreamServer.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("request.id")))
        .isEqualTo(requestId);
  }

  @Test
  void methodThisBuildDoesNotKnow_isForwardedToo() throws Exception {
    MethodDescriptor<byte[], byte[]> future = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("containerd.services.snapshots.v1.Snapshots/Future")
        .setRequestMarshaller(RawBytes.INSTANCE).setResponseMarshaller(RawBytes.INSTANCE).build();
    ServerServiceDefinition upstream = ServerServiceDefinition.builder("containerd.services.snapshots.v1.Snapshots")
        .addMethod(future, io.grpc.stub.ServerCalls.asyncUnaryCall((byte[] request, io.grpc.stub.StreamObserver<byte[]> out) -> {
          out.onNext(concat(request, request));
          out.onCompleted();
        }))
        .build();
    ProxyHarness harness = harness(upstream);

    byte[] answer = ClientCalls.blockingUnaryCall(harness.toProxyUntraced(), future, CallOptions.DEFAULT, new byte[] {1, 2});

    assertThat(answer).isEqualTo(new byte[] {1, 2, 1, 2});
    assertThat(span(harness, "snapshotter.Future").getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(harness.toProxyUntraced(),
        future.toBuilder().setFullMethodName("other.Service/Future").build(), CallOptions.DEFAULT, new byte[0]))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static byte[] page(int i) {
    byte[] page = new byte[64];
    page[0] = (byte) i;
    page[1] = (byte) (i >> 8);
    return page;
  }

  /** Server spans end a moment after the caller has its answer. */
  static List<SpanData> awaitSpans(ProxyHarness harness, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (harness.spans.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return harness.spans.getFinishedSpanItems();
  }

  private static SpanData span(ProxyHarness harness, String name) {
    return byName(harness.spans.getFinishedSpanItems(), name);
  }

  private static SpanData byName(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
  }

  private static SpanData child(List<SpanData> spans, SpanData parent, String name, SpanKind kind) {
    return spans.stream()
        .filter(s -> s.getName().equals(name) && s.getKind() == kind && s.getParentSpanId().equals(parent.getSpanId()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " span " + name + " under " + parent.getName()
            + " " + parent.getKind() + " in " + spans));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private record Captured(Status status, Metadata headers, List<byte[]> messages, Metadata trailers) {}

  private static Captured call(ManagedChannel channel, Operation operation, byte[] request, Metadata headers)
      throws InterruptedException {
    return call(channel, operation, request, headers, CallOptions.DEFAULT);
  }

  private static Captured call(ManagedChannel channel, Operation operation, byte[] request, Metadata headers,
      CallOptions options) throws InterruptedException {
    ClientCall<byte[], byte[]> call = channel.newCall(SnapshotsProxy.method(operation), options);
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>(new Metadata());
    List<byte[]> messages = Collections.synchronizedList(new ArrayList<>());
    BlockingQueue<Captured> done = new LinkedBlockingQueue<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata h) {
        responseHeaders.set(h);
      }

      @Override
      public void onMessage(byte[] message) {
        messages.add(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        done.add(new Captured(status, responseHeaders.get(), messages, trailers));
      }
    }, headers);
    call.sendMessage(request);
    call.halfClose();
    call.request(Integer.MAX_VALUE);
    Captured captured = done.poll(20, TimeUnit.SECONDS);
    assertThat(captured).as("call ended").isNotNull();
    return captured;
  }

  /** An upstream that records what reaches it and answers as told (by default: an empty answer, OK). */
  static final class Recorder {
    record Seen(String method, Metadata headers, byte[] request, Deadline deadline) {}

    interface Answer {
      void answer(ServerCall<byte[], byte[]> call, byte[] request);
    }

    final BlockingQueue<Seen> calls = new LinkedBlockingQueue<>();
    volatile Answer answer = (call, request) -> {
      call.sendHeaders(new Metadata());
      call.sendMessage(new byte[0]);
      call.close(Status.OK, new Metadata());
    };
    volatile Runnable onReady;

    ServerServiceDefinition service() {
      ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(SnapshotsProxy.SERVICE_NAME);
      for (Operation operation : Operation.values()) {
        builder.addMethod(SnapshotsProxy.method(operation), handler());
      }
      return builder.build();
    }

    private ServerCallHandler<byte[], byte[]> handler() {
      return (call, headers) -> {
        call.request(1);
        return new ServerCall.Listener<>() {
          @Override
          public void onMessage(byte[] request) {
            calls.add(new Seen(call.getMethodDescriptor().getFullMethodName(), headers, request,
                Context.current().getDeadline()));
            answer.answer(call, request);
          }

          @Override
          public void onReady() {
            Runnable r = onReady;
            if (r != null) {
              r.run();
            }
          }
        };
      };
    }
  }
}
