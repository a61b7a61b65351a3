package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UpstreamChannelTest {

  private Path temp;
  private ManagedChannel upstream;
  private AutoCloseable reconnect;
  private SnapshotterServer proxy;
  private SnapshotterServer upstreamServer;
  private DirectorySnapshotter directory;
  private ManagedChannel caller;

  @AfterEach
  void stop() throws Exception {
    if (caller != null) {
      caller.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close();
    }
    if (reconnect != null) {
      reconnect.close();
    }
    if (upstream != null) {
      upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    stopUpstream();
    if (temp != null) {
      try (var files = Files.walk(temp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void address_unixPathOrHostPort_elseFailsNamingTheArgument() {
    assertThat(UpstreamChannel.target("unix:///run/x.sock")).isEqualTo("unix:///run/x.sock");
    assertThat(UpstreamChannel.target("/run/x.sock")).isEqualTo("unix:///run/x.sock");
    assertThat(UpstreamChannel.target("127.0.0.1:7070")).isEqualTo("dns:///127.0.0.1:7070");
    for (String bad : new String[] {"unix://relative.sock", "unix://", "localhost", "host:port", "host:0",
        "host:70000", "http://host:1"}) {
      assertThatThrownBy(() -> UpstreamChannel.builder(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("address:");
    }
    assertThatThrownBy(() -> UpstreamChannel.target("x".repeat(10_000) + ":1/"))
        .hasMessageEndingWith("...");
  }

  @Test
  void upstreamDown_answersUnavailableAtOnce_thenReconnectsPromptlyWhenItIsBack() throws Exception {
    temp = Files.createTempDirectory(Path.of("/tmp"), "aciproxy");
    Path upstreamSocket = temp.resolve("up.sock");
    Path proxySocket = temp.resolve("proxy.sock");
    String address = "unix://" + upstreamSocket;
    upstream = UpstreamChannel.builder(address).build();
    reconnect = UpstreamChannel.reconnectPromptly(upstream, Duration.ofMillis(500));
    proxy = SnapshotterServer.forService(SnapshotsProxy.create(upstream, OpenTelemetry.noop(), address).service())
        .unixSocket(proxySocket).build().start();
    caller = dev.acitrace.snapshotter.grpc.SnapshotsClient.unixChannel(proxySocket).build();

    // down from the start: every call fails fast (not after its 20 s deadline), naming the upstream
    long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(6); // long enough for gRPC's backoff to grow
    do {
      long start = System.nanoTime();
      Status status = stat();
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("upstream snapshotter " + address);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
      Thread.sleep(200);
    } while (System.nanoTime() < downUntil);

    startUpstream(upstreamSocket);
    assertThat(millisUntilServed()).as("ms until the proxy uses the upstream again").isLessThan(2_000);

    stopUpstream(); // a snapshotter that dies while connected
    long start = System.nanoTime();
    assertThat(stat().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    startUpstream(upstreamSocket);
    assertThat(millisUntilServed()).isLessThan(2_000);
  }

  private long millisUntilServed() throws InterruptedException {
    long start = System.nanoTime();
    while (stat().getCode() != Status.Code.NOT_FOUND) { // NOT_FOUND: our upstream answered
      if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(20)) {
        break;
      }
      Thread.sleep(50);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private Status stat() {
    try {
      ClientCalls.blockingUnaryCall(caller, SnapshotsProxy.method(Operation.STAT),
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
          StatSnapshotRequest.newBuilder().setKey("missing").build().toByteArray());
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private void startUpstream(Path socket) throws Exception {
    directory = DirectorySnapshotter.open(temp.resolve("root"));
    upstreamServer = SnapshotterServer.builder(directory).unixSocket(socket).build().start();
  }

  private void stopUpstream() {
    if (upstreamServer != null) {
      upstreamServer.close();
      upstreamServer = null;
    }
    if (directory != null) {
      directory.close();
      directory = null;
    }
  }
}
