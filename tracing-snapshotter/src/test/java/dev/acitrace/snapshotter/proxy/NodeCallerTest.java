package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A caller that sends trace context, as containerd >= 2.3 does: the Node.js peer of interop/node
 * ({@code @grpc/grpc-js} traced by OpenTelemetry JS, W3C trace context and baggage) calls the proxy over a
 * unix socket. The proxy's server span is the child of the Node client span, the proxy's client span to the
 * upstream the child of its {@code snapshotter.Stat} span, and the Node caller's baggage reaches the
 * upstream's metadata. Runs with {@code ACITRACE_NODE_INTEROP=1} (.ci/run sets it after {@code npm ci});
 * with it set, a missing node or npm package fails the test.
 */
@EnabledIfEnvironmentVariable(named = "ACITRACE_NODE_INTEROP", matches = "1|true")
class NodeCallerTest {

  private static final Pattern FIELD = Pattern.compile("\"(traceId|spanId|parentSpanId|name|kind)\":\"([^\"]*)\"");

  @Test
  void nodeCallerWithContext_proxySpansContinueItsTrace_baggageReachesTheUpstream() throws Exception {
    Path peer = Path.of("..", "interop", "node").toAbsolutePath().normalize();
    if (!Files.isRegularFile(peer.resolve("node_modules/@grpc/grpc-js/package.json"))) {
      fail("ACITRACE_NODE_INTEROP is set but the Node peer's packages are missing: run 'npm ci' in " + peer);
    }
    Path temp = Files.createTempDirectory(Path.of("/tmp"), "acinode");
    BlockingQueue<Metadata> upstreamHeaders = new LinkedBlockingQueue<>();
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        upstreamHeaders.add(headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {};
      }
    };
    try (ProxyHarness harness = new ProxyHarness();
        DirectorySnapshotter directory = DirectorySnapshotter.open(temp.resolve("root"));
        SnapshotterServer upstream = SnapshotterServer.builder(directory).unixSocket(temp.resolve("up.sock"))
            .configure(b -> GrpcServerTracing.create(harness.sdk).applyTo(b).intercept(recorder)).build().start()) {
      String address = "unix://" + temp.resolve("up.sock");
      ManagedChannel channel = UpstreamChannel.builder(address)
          .intercept(GrpcClientTracing.builder(harness.sdk).target(address).build().newInterceptor()).build();
      SnapshotsProxy proxy = SnapshotsProxy.create(channel, harness.sdk, address);
      try (SnapshotterServer proxyServer = SnapshotterServer.forService(proxy.service())
          .unixSocket(temp.resolve("proxy.sock"))
          .configure(b -> GrpcServerTracing.create(harness.sdk).applyTo(b))
          .build().start()) {
        Path proto = Path.of("src/main/proto").toAbsolutePath();
        Process node = new ProcessBuilder(System.getenv().getOrDefault("NODE", "node"), "peer.js", "call",
            "--target", "unix://" + temp.resolve("proxy.sock"),
            "--method", "containerd.services.snapshots.v1.Snapshots/Stat",
            "--proto", proto.resolve("containerd/services/snapshots/v1/snapshots.proto").toString(),
            "--include", proto.toString(),
            "--request", "{\"key\":\"default/7/missing\"}",
            "--baggage", "user.id=alice",
            "--root-span", "containerd")
            .directory(peer.toFile()).redirectErrorStream(true).start();
        node.getOutputStream().close();
        String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        assertThat(out).as("Stat of a missing key: NOT_FOUND from the upstream, through the proxy")
            .contains("\"type\":\"status\",\"code\":5");

        List<String[]> nodeSpans = new ArrayList<>();
        for (String line : out.split("\n")) {
          if (line.contains("\"type\":\"span\"")) {
            String[] span = new String[5]; // traceId, spanId, parentSpanId, name, kind
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
              int i = List.of("traceId", "spanId", "parentSpanId", "name", "kind").indexOf(m.group(1));
              if (span[i] == null) {
                span[i] = m.group(2);
              }
            }
            nodeSpans.add(span);
          }
        }
        String[] nodeClient = nodeSpans.stream().filter(s -> "CLIENT".equals(s[4])).findFirst()
            .orElseThrow(() -> new AssertionError("no Node CLIENT span in " + out));

        String stat = "containerd.services.snapshots.v1.Snapshots/Stat";
        List<SpanData> spans = SnapshotsProxyTest.awaitSpans(harness, 4);
        SpanData serverSpan = spans.stream()
            .filter(s -> s.getKind() == SpanKind.SERVER && s.getParentSpanId().equals(nodeClient[1]))
            .findFirst().orElseThrow(() -> new AssertionError("no proxy SERVER span under the Node client span "
                + nodeClient[1] + " in " + spans));
        assertThat(serverSpan.getName()).isEqualTo(stat);
        assertThat(serverSpan.getTraceId()).isEqualTo(nodeClient[0]);
        SpanData snapshotter = only(spans, serverSpan, "snapshotter.Stat");
        SpanData client = only(spans, snapshotter, stat);
        assertThat(client.getKind()).isEqualTo(SpanKind.CLIENT);
        SpanData upstreamServer = only(spans, client, stat);
        assertThat(upstreamServer.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(upstreamServer.getTraceId()).isEqualTo(nodeClient[0]);

        Metadata seen = upstreamHeaders.poll(10, TimeUnit.SECONDS);
        assertThat(seen).isNotNull();
        assertThat(seen.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)))
            .contains(nodeClient[0]).contains(client.getSpanId());
        assertThat(seen.get(Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER)))
            .contains("user.id=alice");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      try (var files = Files.walk(temp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static SpanData only(List<SpanData> spans, SpanData parent, String name) {
    return spans.stream().filter(s -> s.getName().equals(name) && s.getParentSpanId().equals(parent.getSpanId()))
        .findFirst().orElseThrow(() -> new AssertionError("no " + name + " under " + parent.getName() + " in " + spans));
  }
}
