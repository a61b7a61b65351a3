package dev.acitrace.snapshotter.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import io.grpc.ManagedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @TempDir
  Path temp;

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @Test
  void demo_printsOneTraceAcrossClientServerAndSnapshotterSpans() {
    int code = Main.run(new String[] {"demo"}, out, err, null);

    String output = out();
    assertThat(code).as(err()).isEqualTo(Main.OK);
    assertThat(output).contains("prepare default/1/extract-layer-1", "commit ", "usage ", "list -> ",
        "0 snapshots left");
    // the console exporter prints the demo's trace as one tree: demo span -> client -> server -> snapshotter
    Matcher traces = Pattern.compile("(?m)^trace ([0-9a-f]{32}) \\(service acitrace-snapshotter-demo, (\\d+) spans\\)$")
        .matcher(output);
    assertThat(traces.find()).as(output).isTrue();
    String traceId = traces.group(1);
    assertThat(Integer.parseInt(traces.group(2))).isEqualTo(1 + 11 * 3); // 11 calls (list and remove twice): client, server, snapshotter
    assertThat(traces.find()).as("exactly one trace").isFalse();
    assertThat(output).contains("trace id " + traceId + "\n", "\n└─ snapshotter demo ");
    String requestId = Pattern.compile("request\\.id=([0-9a-f-]{36})").matcher(output).results().findFirst()
        .orElseThrow().group(1);
    // one line per span within 120 columns: the request id on the trace's header, RPC names without package
    assertThat(output).contains(" spans)\nrequest.id " + requestId + "\n");
    for (String op : new String[] {"Prepare", "Mounts", "Commit", "View", "Stat", "Usage", "Update", "List",
        "Remove"}) {
      assertThat(output).containsPattern("(?m)^   [├└]─ Snapshots/" + op + " CLIENT +[0-9.]+ (us|ms|s) OK$");
      assertThat(output).containsPattern("(?m)^   [│ ]  └─ Snapshots/" + op + " SERVER +[0-9.]+ (us|ms|s) OK$");
    }
    assertThat(output).contains(" snapshotter.Prepare ", " snapshotter.Walk ",
        "snapshot.key=default/2/sha256:layer-1");
    String temp = Pattern.compile("root   (\\S+)/root\n").matcher(output).results().findFirst().orElseThrow().group(1);
    assertThat(output.lines().filter(line -> !line.contains(temp))) // the temporary directory's name may be long
        .allSatisfy(line -> assertThat(line.codePointCount(0, line.length())).as(line).isLessThanOrEqualTo(120));
    assertThat(output).doesNotContain("ERROR");
  }

  @Test
  void demo_verboseConsole_printsEveryAttributeUnderItsSpan() {
    System.setProperty("acitrace.console.verbose", "true");
    try {
      assertThat(Main.run(new String[] {"demo"}, out, err, null)).as(err()).isEqualTo(Main.OK);
    } finally {
      System.clearProperty("acitrace.console.verbose");
    }
    String output = out();
    String requestId = Pattern.compile("request\\.id=([0-9a-f-]{36})").matcher(output).results().findFirst()
        .orElseThrow().group(1);
    String socket = Pattern.compile("socket unix://(\\S+)").matcher(output).results().findFirst().orElseThrow()
        .group(1);
    for (String op : new String[] {"Prepare", "Mounts", "Commit", "View", "Stat", "Usage", "Update", "List",
        "Remove"}) {
      // the client span, then its attributes on lines of their own (server.address is the socket path)
      assertThat(output).containsPattern("(?m)^   [├└]─ containerd\\.services\\.snapshots\\.v1\\.Snapshots/" + op
          + " CLIENT .* OK\n(   [│ ]  │  .*\n)*   [│ ]  │  server\\.address=" + Pattern.quote(socket) + "\n");
      // the server span, a child of the client span, with the demo's baggage (baggage enricher) and request id
      assertThat(output).containsPattern("(?m)^   [│ ]  └─ containerd\\.services\\.snapshots\\.v1\\.Snapshots/"
          + op + " SERVER .* OK\n   [│ ]     │  baggage\\.image\\.name=docker\\.io/library/busybox\n"
          + "   [│ ]     │  baggage\\.image\\.tag=1\\.36\n   [│ ]     │  baggage\\.namespace=default\n"
          + "   [│ ]     │  baggage\\.request\\.id=" + requestId + "\n   [│ ]     │  request\\.id=" + requestId
          + "\n(.*\n)*?   [│ ]     │  rpc\\.method=" + op + "\n(.*\n)*?   [│ ]     │  parent=[0-9a-f]{16} \\(remote\\)\n");
    }
    assertThat(output).contains("─ snapshotter.Prepare ", "─ snapshotter.Walk ",
        "snapshot.key=default/2/sha256:layer-1");
    // then the RPC metrics table (console metrics exporter), after the trace
    assertThat(output).containsPattern("(?m)^metrics \\(service acitrace-snapshotter-demo\\) at \\S+Z, \\d+ series$")
        .containsPattern("(?m)^  rpc\\.server\\.duration \\(ms, histogram\\)\n      .*rpc\\.service=containerd\\.services\\.snapshots\\.v1\\.Snapshots")
        .containsPattern("(?m)^  rpc\\.client\\.duration \\(ms, histogram\\)\\s")
        .containsPattern("(?m)^ +2 +\\S+ +\\S+  .*rpc\\.method=List\\b");
    assertThat(output.indexOf("\nmetrics (")).isGreaterThan(output.indexOf("└─ snapshotter demo "));
    assertThat(output).doesNotContain("ERROR");
  }

  @Test
  void demo_withOtlpEndpoint_exportsThereInsteadOfPrinting() throws Exception {
    try (FakeOtlpReceiver receiver = new FakeOtlpReceiver()) {
      System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + receiver.port());
      System.setProperty("otel.exporter.otlp.protocol", "http/protobuf");
      int code;
      try {
        code = Main.run(new String[] {"demo"}, out, err, null);
      } finally {
        System.clearProperty("otel.exporter.otlp.endpoint");
        System.clearProperty("otel.exporter.otlp.protocol");
      }

      assertThat(code).as(err()).isEqualTo(Main.OK);
      assertThat(out()).contains("trace exported to OTLP endpoint http://127.0.0.1:" + receiver.port())
          .doesNotContain(" SERVER ");
      String traceId = out().lines().filter(l -> l.startsWith("trace id ")).findFirst().orElseThrow()
          .substring("trace id ".length());
      // OTLP/protobuf carries span names as UTF-8 and the trace id as its 16 raw bytes
      byte[] body = receiver.body("/v1/traces");
      String text = new String(body, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("snapshotter.Prepare", "containerd.services.snapshots.v1.Snapshots/Prepare",
          "acitrace-snapshotter-demo");
      assertThat(text).contains(new String(java.util.HexFormat.of().parseHex(traceId), StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void demo_collectorUnreachable_saysTheTraceWasLost() throws Exception {
    int port;
    try (java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    } // nothing listens there any more
    System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + port);
    int code;
    try {
      code = Main.run(new String[] {"demo"}, out, err, null);
    } finally {
      System.clearProperty("otel.exporter.otlp.endpoint");
    }
    assertThat(code).as(err()).isEqualTo(Main.OK);
    assertThat(out()).doesNotContain("trace exported")
        .containsPattern("trace NOT exported to OTLP endpoint http://127\\.0\\.0\\.1:" + port
            + ": (\\d+) of \\1 spans lost \\(\\1 failed to export, 0 dropped\\); is the collector reachable\\?");
  }

  /** Accepts OTLP/HTTP posts on loopback and keeps their bodies; answers 200 with an empty body. */
  private static final class FakeOtlpReceiver implements AutoCloseable {
    private final java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final java.io.ByteArrayOutputStream bodies = new java.io.ByteArrayOutputStream();
    private final java.util.Set<String> paths = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread acceptor = new Thread(this::serve, "fake-otlp");

    FakeOtlpReceiver() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    synchronized byte[] body(String path) {
      assertThat(paths).contains(path);
      return bodies.toByteArray();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (java.net.Socket connection = socket.accept()) {
          var in = new java.io.DataInputStream(connection.getInputStream());
          var outStream = connection.getOutputStream();
          while (true) { // keep-alive: several requests per connection
            String requestLine = readLine(in);
            if (requestLine == null || requestLine.isEmpty()) {
              break;
            }
            int length = 0;
            for (String header = readLine(in); header != null && !header.isEmpty(); header = readLine(in)) {
              if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
              }
            }
            byte[] body = new byte[length];
            in.readFully(body);
            synchronized (this) {
              paths.add(requestLine.split(" ")[1]);
              bodies.write(body);
            }
            outStream.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            outStream.flush();
          }
        } catch (IOException e) {
          // closed, or the client hung up: accept the next one
        }
      }
    }

    private static String readLine(java.io.InputStream in) throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != -1; c = in.read()) {
        if (c == '\n') {
          return line.toString().strip();
        }
        line.append((char) c);
      }
      return line.length() == 0 ? null : line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void serve_rootNotUsable_exits4WithMessage() throws IOException {
    Path file = Files.writeString(temp.resolve("not-a-dir"), "x");
    int code = Main.run(new String[] {"serve", "--root", file.toString(), "--socket", temp.resolve("s.sock").toString()},
        out, err, new CountDownLatch(0));
    assertThat(code).isEqualTo(Main.ROOT_UNUSABLE);
    assertThat(err()).contains("cannot use root " + file, "not a directory");
  }

  @Test
  void serve_socketInUse_exits3WithMessage() throws IOException {
    Path socket = temp.resolve("taken.sock");
    try (DirectorySnapshotter other = DirectorySnapshotter.open(temp.resolve("other"));
        SnapshotterServer running = SnapshotterServer.builder(other).unixSocket(socket).build().start()) {
      int code = Main.run(new String[] {"serve", "--root", temp.resolve("root").toString(), "--socket", socket.toString()},
          out, err, new CountDownLatch(0));
      assertThat(code).isEqualTo(Main.ADDRESS_IN_USE);
      assertThat(err()).contains("in use");
    }
    // the failed launch released its root
    try (DirectorySnapshotter reopened = DirectorySnapshotter.open(temp.resolve("root"))) {
      assertThat(reopened.list()).isEmpty();
    }
  }

  @Test
  void badCommandLines_exit2WithUsage() {
    assertThat(Main.run(new String[] {}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"frobnicate"}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"serve", "--socket", "/tmp/x.sock"}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"serve", "--root", "/tmp/r"}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"serve", "--root", "/tmp/r", "--tcp", "nope"}, out, err, null))
        .isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"serve", "--root"}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(Main.run(new String[] {"demo", "extra"}, out, err, null)).isEqualTo(Main.USAGE);
    assertThat(err()).contains("unknown command: frobnicate", "serve needs --root", "usage: snapshotter");
    assertThat(Main.run(new String[] {"help"}, out, err, null)).isEqualTo(Main.OK);
    assertThat(out()).contains("usage: snapshotter");
  }

  @Test
  void serveTcp_refusesANonLoopbackHost_unlessExplicitlyAllowed() throws Exception {
    assertThat(Main.run(new String[] {"serve", "--root", temp.resolve("r").toString(), "--tcp", "0.0.0.0:0"},
        out, err, null)).isEqualTo(Main.USAGE);
    assertThat(err()).contains("--tcp 0.0.0.0 is not a loopback address", "--tcp-allow-remote");
    assertThat(temp.resolve("r")).as("refused before touching the root").doesNotExist();
    // parsing only: a test never listens beyond loopback
    assertThat(Main.ServeOptions.parse(java.util.List.of(
        "--root", "/r", "--tcp", "0.0.0.0:7070", "--tcp-allow-remote")).tcpHost()).isEqualTo("0.0.0.0");
    for (String loopback : new String[] {"127.0.0.1:0", "localhost:0", "[::1]:0"}) {
      assertThat(Main.ServeOptions.parse(java.util.List.of("--root", "/r", "--tcp", loopback)).tcpPort())
          .isZero();
    }
  }

  @Test
  void invalidTracingConfiguration_exits5WithTheMessage_andLeavesNoDemoDirectory() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    java.util.Set<Path> before;
    try (var listing = Files.list(tmp)) {
      before = listing.filter(p -> p.getFileName().toString().startsWith("acitrace-demo-"))
          .collect(java.util.stream.Collectors.toSet());
    }
    System.setProperty("otel.traces.exporter", "no-such-exporter");
    int demo;
    int serve;
    try {
      demo = Main.run(new String[] {"demo"}, out, err, null);
      serve = Main.run(new String[] {"serve", "--root", temp.resolve("root").toString(),
          "--socket", temp.resolve("s.sock").toString()}, out, err, null);
    } finally {
      System.clearProperty("otel.traces.exporter");
    }
    assertThat(demo).as(err()).isEqualTo(Main.TRACING_CONFIG);
    assertThat(serve).as(err()).isEqualTo(Main.TRACING_CONFIG);
    assertThat(err()).contains("invalid tracing configuration", "no-such-exporter");
    try (var listing = Files.list(tmp)) {
      assertThat(listing.filter(p -> p.getFileName().toString().startsWith("acitrace-demo-"))
          .filter(p -> !before.contains(p))).isEmpty();
    }
    // serve released its root
    try (DirectorySnapshotter reopened = DirectorySnapshotter.open(temp.resolve("root"))) {
      assertThat(reopened.list()).isEmpty();
    }
  }

  @Test
  void resourceAttributes_onlyAnExactServiceNameKeyCounts() {
    assertThat(ServerWiring.namesServiceName("service.name=x")).isTrue();
    assertThat(ServerWiring.namesServiceName("a=b, service.name = x")).isTrue();
    assertThat(ServerWiring.namesServiceName("foo.service.name=x")).isFalse();
    assertThat(ServerWiring.namesServiceName("a=service.name=x")).isFalse();
    assertThat(ServerWiring.namesServiceName("")).isFalse();
  }

  @Test
  void serve_servesUntilStopped_andTracesEachCall() throws Exception {
    Path socket = temp.resolve("serve.sock");
    CountDownLatch stop = new CountDownLatch(1);
    CompletableFuture<Integer> serving = CompletableFuture.supplyAsync(() -> Main.run(
        new String[] {"serve", "--root", temp.resolve("root").toString(), "--socket", socket.toString()},
        out, err, stop));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!out().contains("serving") && System.nanoTime() < deadline && !serving.isDone()) {
        Thread.sleep(20);
      }
      assertThat(out()).as(err()).contains("serving " + temp.resolve("root"), "unix://" + socket);

      ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
      try {
        SnapshotsClient.create(channel, "acitrace").prepare("k", "", Map.of());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      stop.countDown();
    }
    assertThat(serving.get(30, TimeUnit.SECONDS)).isEqualTo(Main.OK);
    assertThat(socket).doesNotExist();
    // serve prints each call's trace with the console exporter (to err): the server span is its root (the
    // caller is not traced), with a generated request id, and the snapshotter span under it
    assertThat(err()).containsPattern("(?m)^trace [0-9a-f]{32} \\(service acitrace-snapshotter, 2 spans\\)\n"
        + "request\\.id [0-9a-f]{32}\n"
        + "└─ Snapshots/Prepare SERVER .* OK\n"
        + "   └─ snapshotter\\.Prepare .* OK snapshot\\.key=k\n");
    // state survived the stop
    try (DirectorySnapshotter reopened = DirectorySnapshotter.open(temp.resolve("root"))) {
      assertThat(reopened.stat("k")).isNotNull();
    }
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }
}
