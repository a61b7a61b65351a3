package dev.acitrace.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The Node.js peer of interop/node (peer.js): an independent gRPC implementation traced by OpenTelemetry JS.
 * {@link #locate()} fails (never skips) when node or the npm packages are missing: the tests using it only
 * run when {@code ACITRACE_NODE_INTEROP} asks for them.
 */
final class NodePeer {
  static final String ENV = "ACITRACE_NODE_INTEROP";
  private static final Gson GSON = new Gson();
  private static final Type OBJECT = new TypeToken<Map<String, Object>>() {}.getType();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final Path directory;
  private final String node;

  private NodePeer(Path directory, String node) {
    this.directory = directory;
    this.node = node;
  }

  /** The peer in {@code acitrace.interop.node.dir}, else {@code ../interop/node}; fails if it cannot run. */
  static NodePeer locate() {
    String configured = System.getProperty("acitrace.interop.node.dir");
    Path directory = (configured != null ? Path.of(configured) : Path.of("..", "interop", "node"))
        .toAbsolutePath().normalize();
    if (!Files.isRegularFile(directory.resolve("peer.js"))) {
      fail(ENV + " is set but there is no Node peer at " + directory + " (set acitrace.interop.node.dir)");
    }
    String node = System.getenv().getOrDefault("NODE", "node");
    try {
      Process version = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
      String out = new String(version.getInputStream().readAllBytes(), UTF_8).trim();
      if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
        fail(ENV + " is set but '" + node + " --version' failed: " + out);
      }
    } catch (IOException e) {
      fail(ENV + " is set but node cannot be run ('" + node + "'): " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
    for (String module : List.of("@grpc/grpc-js", "@grpc/proto-loader", "@opentelemetry/sdk-trace-node",
        "@opentelemetry/instrumentation-grpc", "@opentelemetry/core", "@opentelemetry/api")) {
      if (!Files.isRegularFile(directory.resolve("node_modules").resolve(module).resolve("package.json"))) {
        fail(ENV + " is set but the npm package " + module + " is not installed: run 'npm ci' in " + directory);
      }
    }
    return new NodePeer(directory, node);
  }

  /** Starts {@code peer.js serve} on 127.0.0.1 and an ephemeral port. */
  Server serve() throws IOException {
    Process process = new ProcessBuilder(node, "peer.js", "serve", "--host", "127.0.0.1", "--port", "0")
        .directory(directory.toFile())
        .start();
    return new Server(process);
  }

  /** Runs {@code peer.js call} with {@code args} and returns what it printed. */
  CallResult call(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(node, "peer.js", "call"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).directory(directory.toFile()).start();
    process.getOutputStream().close();
    CompletableFuture<String> stderr = drain(process.getErrorStream());
    CompletableFuture<String> stdout = drain(process.getInputStream());
    if (!process.waitFor(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("peer.js call did not finish in " + CALL_TIMEOUT + "; stderr: " + stderr.getNow(""));
    }
    String out = stdout.join();
    if (process.exitValue() != 0) {
      fail("peer.js call exited " + process.exitValue() + "; stderr: " + stderr.join() + "; stdout: " + out);
    }
    CallResult result = new CallResult();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> object = object(line);
      switch (String.valueOf(object.get("type"))) {
        case "message" -> result.messages.add(object);
        case "status" -> result.status = object;
        case "span" -> result.spans.add(new NodeSpan(object));
        default -> fail("unexpected line from peer.js: " + line);
      }
    }
    if (result.status == null) {
      fail("peer.js call printed no status; stdout: " + out + "; stderr: " + stderr.join());
    }
    return result;
  }

  /**
   * One line the peer printed, a JSON object: members in order, numbers as {@code Double} (Gson, which gRPC
   * brings anyway, reads what {@code JSON.stringify} writes).
   */
  static Map<String, Object> object(String line) {
    return GSON.fromJson(line, OBJECT);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(in.readAllBytes(), UTF_8);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    });
  }

  /** What one {@code peer.js call} printed. */
  static final class CallResult {
    final List<Map<String, Object>> messages = new ArrayList<>();
    final List<NodeSpan> spans = new ArrayList<>();
    Map<String, Object> status;

    int code() {
      return ((Number) status.get("code")).intValue();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> message(int index) {
      return (Map<String, Object>) messages.get(index).get("message");
    }

    NodeSpan onlySpan(String kind) {
      List<NodeSpan> found = spans.stream().filter(s -> s.kind().equals(kind)).toList();
      if (found.size() != 1) {
        fail("expected one " + kind + " span from the Node client, got " + spans);
      }
      return found.get(0);
    }
  }

  /** One span the Node peer exported. */
  record NodeSpan(Map<String, Object> json) {
    String traceId() {
      return (String) json.get("traceId");
    }

    String spanId() {
      return (String) json.get("spanId");
    }

    String parentSpanId() {
      return (String) json.get("parentSpanId");
    }

    String name() {
      return (String) json.get("name");
    }

    String kind() {
      return (String) json.get("kind");
    }

    String status() {
      return (String) json.get("status");
    }

    @SuppressWarnings("unchecked")
    Object attribute(String key) {
      return ((Map<String, Object>) json.get("attributes")).get(key);
    }

    @Override
    public String toString() {
      return json.toString();
    }
  }

  /** A running {@code peer.js serve}; its spans are collected as it prints them. */
  static final class Server implements AutoCloseable {
    private final Process process;
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final List<NodeSpan> spans = new CopyOnWriteArrayList<>();
    private final StringBuffer stderr = new StringBuffer();

    private Server(Process process) {
      this.process = process;
      Thread out = new Thread(this::readStdout, "node-peer-stdout");
      out.setDaemon(true);
      out.start();
      Thread err = new Thread(this::readStderr, "node-peer-stderr");
      err.setDaemon(true);
      err.start();
      try {
        port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        close();
        fail("peer.js serve did not start in " + START_TIMEOUT + ": " + e + "; stderr: " + stderr);
      }
    }

    int port() {
      return port.join();
    }

    String target() {
      return "127.0.0.1:" + port();
    }

    /** Waits until the spans exported so far satisfy {@code done}; fails after ten seconds. */
    List<NodeSpan> awaitSpans(Predicate<List<NodeSpan>> done) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!done.test(List.copyOf(spans))) {
        if (System.nanoTime() > deadline) {
          fail("the Node server did not export the expected spans; it exported " + spans + "; stderr: " + stderr);
        }
        Thread.sleep(20);
      }
      return List.copyOf(spans);
    }

    private void readStdout() {
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          Map<String, Object> object = object(line);
          if ("listening".equals(object.get("type"))) {
            port.complete(((Number) object.get("port")).intValue());
          } else if ("span".equals(object.get("type"))) {
            spans.add(new NodeSpan(object));
          }
        }
      } catch (IOException | RuntimeException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new IOException("peer.js serve exited"));
    }

    private void readStderr() {
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(process.getErrorStream(), UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (stderr.length() < 16_384) {
            stderr.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process is gone; what it said so far is kept
      }
    }

    /** Closes the peer's standard input (it exits on that), then makes sure it is gone. */
    @Override
    public void close() {
      try {
        process.getOutputStream().close();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroy();
          if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
