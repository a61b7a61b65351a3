package dev.acitrace.snapshotter.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.fs.OverlaySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --backend} and {@code serve --upstream} on the command line. */
class BackendsTest {

  @TempDir
  Path temp;

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @Test
  void newRoot_noBackendGiven_overlayWhereMountable_elseDirectoryWithOneLineSayingWhy() throws Exception {
    Path root = temp.resolve("root");
    String unavailable = OverlaySnapshotter.overlayUnavailable(temp.resolve("probe"));
    List<Mount> mounts = serveAndPrepare(root, null);
    String expected = unavailable == null ? "overlay" : "directory";
    assertThat(out()).contains("(" + expected + " backend)");
    assertThat(root.resolve("backend")).hasContent(expected);
    if (unavailable == null) {
      assertThat(err()).doesNotContain("using the directory backend");
      assertThat(mounts.get(0).source()).endsWith("/fs"); // overlay layout: the layer is <id>/fs
    } else {
      assertThat(err()).containsOnlyOnce("snapshotter: using the directory backend");
    }
  }

  @Test
  void explicitBackend_isRecorded_andTheRootRefusesTheOther() throws Exception {
    Path root = temp.resolve("root");
    serveAndPrepare(root, "directory");
    assertThat(root.resolve("backend")).hasContent("directory");

    int status = Main.run(new String[] {"serve", "--root", root.toString(), "--backend", "overlay",
        "--socket", temp.resolve("s.sock").toString()}, out, err, new CountDownLatch(0));

    assertThat(status).isEqualTo(Main.ROOT_UNUSABLE);
    assertThat(err()).contains("holds directory-backend snapshots; serve it with --backend directory");
  }

  @Test
  void rootFromBeforeTheMarker_isADirectoryRoot() throws Exception {
    Path root = temp.resolve("root");
    DirectorySnapshotter.open(root).close(); // writes metadata.pb, no marker
    List<Mount> mounts = serveAndPrepare(root, null);
    assertThat(out()).contains("(directory backend)");
    assertThat(mounts.get(0).source()).doesNotEndWith("/fs");
  }

  @Test
  void badCombinations_areUsageErrors() {
    assertThat(usage("serve", "--root", "r", "--backend", "zfs", "--socket", "s")).contains("--backend must be");
    assertThat(usage("serve", "--root", "r", "--upstream", "unix:///x.sock", "--socket", "s"))
        .contains("--root and --upstream exclude each other");
    assertThat(usage("serve", "--upstream", "unix:///x.sock", "--backend", "overlay", "--socket", "s"))
        .contains("--backend and --upstream exclude each other");
    assertThat(usage("serve", "--upstream", "nonsense", "--socket", "s")).contains("--upstream: address:");
    assertThat(usage("serve", "--upstream", "unix:///x.sock")).contains("--socket PATH and/or --tcp");
  }

  @Test
  void serveUpstream_proxiesToTheUpstream() throws Exception {
    Path upstreamSocket = temp.resolve("up.sock");
    try (DirectorySnapshotter upstream = DirectorySnapshotter.open(temp.resolve("up"));
        var server = dev.acitrace.snapshotter.grpc.SnapshotterServer.builder(upstream).unixSocket(upstreamSocket)
            .build().start()) {
      Path socket = temp.resolve("proxy.sock");
      CountDownLatch stop = new CountDownLatch(1);
      CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"serve",
          "--upstream", "unix://" + upstreamSocket, "--socket", socket.toString()}, out, err, stop));
      try {
        awaitOut("proxying", serving);
        assertThat(out()).contains("proxying unix://" + upstreamSocket + " on unix://" + socket);
        ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
        try {
          SnapshotsClient.create(channel, "acitrace").prepare("through-the-proxy", "", Map.of());
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        stop.countDown();
      }
      assertThat(serving.get(30, TimeUnit.SECONDS)).isEqualTo(Main.OK);
      assertThat(upstream.stat("through-the-proxy").name()).isEqualTo("through-the-proxy");
      // the proxy traced it: its snapshotter span is in the printed trace (whatever the console layout)
      assertThat(err()).contains("snapshotter.Prepare");
    }
  }

  private List<Mount> serveAndPrepare(Path root, String backend) throws Exception {
    Path socket = temp.resolve("serve-" + System.nanoTime() + ".sock");
    CountDownLatch stop = new CountDownLatch(1);
    String[] args = backend == null
        ? new String[] {"serve", "--root", root.toString(), "--socket", socket.toString()}
        : new String[] {"serve", "--root", root.toString(), "--backend", backend, "--socket", socket.toString()};
    CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() -> Main.run(args, out, err, stop));
    List<Mount> mounts;
    try {
      awaitOut("serving", serving);
      ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
      try {
        mounts = SnapshotsClient.create(channel, "acitrace").prepare("k-" + System.nanoTime(), "", Map.of());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      stop.countDown();
    }
    assertThat(serving.get(30, TimeUnit.SECONDS)).as(err()).isEqualTo(Main.OK);
    return mounts;
  }

  private void awaitOut(String text, CompletableFuture<Integer> serving) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!out().contains(text) && System.nanoTime() < deadline && !serving.isDone()) {
      Thread.sleep(20);
    }
    assertThat(out()).as(err()).contains(text);
  }

  private String usage(String... args) {
    errBytes.reset();
    assertThat(Main.run(args, out, err, new CountDownLatch(0))).isEqualTo(Main.USAGE);
    return err();
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }
}
