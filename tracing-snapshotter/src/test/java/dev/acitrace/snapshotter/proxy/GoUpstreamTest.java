package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The proxy in front of an upstream we did not write: containerd's own {@code snapshots/native} and
 * {@code snapshots/overlay} behind {@code contrib/snapshotservice} and a plain {@code grpc.NewServer()}, as
 * stargz, nydus and overlaybd serve theirs (src/test/go/upstream). Runs with {@code ACITRACE_GO_UPSTREAM=1}
 * (.ci/run sets it after installing golang-go and golang-github-containerd-containerd-dev); with it set, a
 * missing toolchain fails the test.
 */
@EnabledIfEnvironmentVariable(named = "ACITRACE_GO_UPSTREAM", matches = "1|true")
class GoUpstreamTest {

  private static Path buildDirectory;
  private static Path binary;

  @BeforeAll
  static void build() throws Exception {
    buildDirectory = Files.createTempDirectory("acigo");
    binary = GoUpstream.build(buildDirectory);
  }

  @AfterAll
  static void clean() throws Exception {
    try (var files = Files.walk(buildDirectory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "overlay"})
  void proxyProcess_inFrontOfContainerdsSnapshotter_answersAsItDoesDirectly(String backend) throws Exception {
    try (Processes processes = new Processes()) {
      Path temp = processes.temp;
      processes.go(binary, "-backend", backend, "-root", temp.resolve("direct").toString(),
          "-socket", temp.resolve("d.sock").toString());
      processes.go(binary, "-backend", backend, "-root", temp.resolve("behind").toString(),
          "-socket", temp.resolve("b.sock").toString());
      processes.launcher("--upstream", "unix://" + temp.resolve("b.sock"), "--socket", temp.resolve("p.sock").toString());

      List<String> direct = ProxyProcessTest.scenario(temp.resolve("d.sock"), temp.resolve("direct"));
      List<String> proxied = ProxyProcessTest.scenario(temp.resolve("p.sock"), temp.resolve("behind"));

      assertThat(proxied).isEqualTo(direct);
      assertThat(direct).anySatisfy(line -> assertThat(line).startsWith("List -> ok [name:"));
      assertThat(String.join("\n", direct)).contains("ALREADY_EXISTS", "NOT_FOUND", "FAILED_PRECONDITION");
    }
  }

  @Test
  void callerSendsContext_upstreamGetsTheSameTrace_childOfTheProxy_withTheBaggage() throws Exception {
    try (Processes processes = new Processes()) {
      Path temp = processes.temp;
      Path seen = temp.resolve("metadata.jsonl");
      processes.go(binary, "-root", temp.resolve("root").toString(), "-socket", temp.resolve("u.sock").toString(),
          "-metadata", seen.toString());
      processes.launcher("--upstream", "unix://" + temp.resolve("u.sock"), "--socket", temp.resolve("p.sock").toString());
      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      String callerSpanId = "00f067aa0ba902b7";
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          "00-" + traceId + "-" + callerSpanId + "-01");
      headers.put(Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER),
          "user.id=alice,request.id=req-from-containerd");

      ManagedChannel channel = SnapshotsClient.unixChannel(temp.resolve("p.sock")).build();
      try {
        ClientCalls.blockingUnaryCall(channel.newCall(SnapshotsProxy.method(Operation.STAT),
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
            StatSnapshotRequest.newBuilder().setKey("default/1/missing").build().toByteArray());
      } catch (StatusRuntimeException expected) {
        // NOT_FOUND from containerd's code; the metadata is what this test is about
      }
      try {
        ClientCalls.blockingUnaryCall(
            io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers)),
            SnapshotsProxy.method(Operation.STAT), CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
            StatSnapshotRequest.newBuilder().setKey("default/2/missing").build().toByteArray());
      } catch (StatusRuntimeException expected) {
        // as above
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      List<String> lines = Files.readAllLines(seen);
      assertThat(lines).hasSize(2);
      // containerd 1.6 sends no context: the proxy starts a trace, and the upstream is in it all the same
      assertThat(lines.get(0)).containsPattern("\"traceparent\":\\[\"00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]\"\\]")
          .containsPattern("snapshot.key=default(/|%2F)1(/|%2F)missing").contains("request.id=");
      // a caller that sends context: same trace id, a new parent (the proxy's client span), its baggage kept
      assertThat(lines.get(1)).contains("\"traceparent\":[\"00-" + traceId + "-")
          .doesNotContain(callerSpanId)
          .contains("user.id=alice", "request.id=req-from-containerd")
          .containsPattern("snapshot.key=default(/|%2F)2(/|%2F)missing");
    }
  }
}
