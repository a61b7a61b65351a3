package dev.acitrace.reliability;

import dev.acitrace.bundle.ExportStats;
import dev.acitrace.bundle.Tracing;
import dev.acitrace.bundle.TracingHandle;
import dev.acitrace.bundle.TracingSettings;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Part c: the collector is down. acitrace is initialized with {@code Tracing.init} three times in one JVM:
 * exporter {@code none}, OTLP to a closed port, and OTLP to a TCP server that accepts and never answers.
 * Calls go to the three round-robin, one at a time, through the same two threads (one event loop, one
 * handler thread), so that whatever the machine does meanwhile hits them alike, after a warm-up that lasts
 * until the JIT compiler is quiet; the p99 latency of each outage must be within 1.2x of {@code none}'s, the
 * heap must not grow with the calls, and {@code close()} must return within its bound.
 */
final class CollectorOutage {
  private static final MethodDescriptor<byte[], byte[]> ECHO =
      Bytes.method(MethodDescriptor.MethodType.UNARY, "reliability.v1.Outage/Echo");
  static final double MAX_P99_RATIO = 1.2;
  /** Warm-up rounds of this many calls per setup go on until one compiles for less than QUIET_COMPILE_MS. */
  static final int WARMUP_BATCH = 500;
  static final int MIN_WARMUP = 2_000;
  static final int MAX_WARMUP = 12_000;
  static final long QUIET_COMPILE_MS = 20;
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);
  /** close() may take the shutdown timeout plus this much. */
  static final Duration CLOSE_SLACK = Duration.ofSeconds(1);
  /** Heap growth (after GC) allowed between the start and the end of the measured calls. */
  static final long MAX_HEAP_GROWTH = 64L * 1024 * 1024;

  private final int callsPerSetup;
  private final long seed;

  CollectorOutage(int callsPerSetup, long seed) {
    this.callsPerSetup = callsPerSetup;
    this.seed = seed;
  }

  /**
   * The threads every setup's calls go through: one event loop for both ends of every connection and one
   * handler thread, shared by the setups, so the only difference between their calls is the tracing
   * pipeline (with grpc-java's shared pools, which loop a connection lands on differs per setup and moved
   * the median of identical setups by up to 30%). The exporters' own connections use their own threads.
   */
  private static final class Transport implements AutoCloseable {
    final EventLoopGroup loop = new NioEventLoopGroup(1, Threads.named("outage-loop"));
    final ExecutorService handlers = Executors.newSingleThreadExecutor(Threads.named("outage-handler"));

    @Override
    public void close() throws InterruptedException {
      handlers.shutdownNow();
      loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
  }

  /** One Tracing.init and the traced server and channel built on it. */
  private static final class Setup {
    final String name;
    final TracingHandle handle;
    final Server server;
    final ManagedChannel channel;
    final long[] latencies;
    int count;

    Setup(String name, TracingSettings settings, int calls, Transport transport) throws IOException {
      this.name = name;
      this.handle = Tracing.init(settings);
      ServerServiceDefinition service = ServerServiceDefinition.builder("reliability.v1.Outage")
          .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, responses) -> {
            responses.onNext(request);
            responses.onCompleted();
          }))
          .build();
      server = GrpcServerTracing.create(handle.openTelemetry())
          .applyTo(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .channelType(NioServerSocketChannel.class)
              .bossEventLoopGroup(transport.loop)
              .workerEventLoopGroup(transport.loop)
              .executor(transport.handlers)
              .addService(service))
          .build().start();
      channel = GrpcClientTracing.create(handle.openTelemetry())
          .applyTo(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
              .channelType(NioSocketChannel.class)
              .eventLoopGroup(transport.loop)
              .usePlaintext())
          .build();
      latencies = new long[calls];
    }

    long call(byte[] payload) {
      long start = System.nanoTime();
      ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          payload);
      return System.nanoTime() - start;
    }

    long percentile(double p) {
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return sorted[Math.min(count - 1, (int) Math.ceil(p * count) - 1)];
    }

    void stopRpc() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static TracingSettings settings(String exporter, String endpoint) {
    TracingSettings.Builder builder = TracingSettings.builder()
        .serviceName("reliability-outage")
        .exporters(exporter)
        .registerGlobal(false)
        .shutdownHook(false)
        .shutdownTimeout(SHUTDOWN_TIMEOUT);
    if (endpoint != null) {
      builder.endpoint(endpoint); // traces and metrics (autoconfigure's default otlp) to the dead collector
    } else {
      builder.property("otel.metrics.exporter", "none"); // no exporter at all
    }
    return builder.build();
  }

  Report run() throws Exception {
    Report report = new Report("collector outage");
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    List<Socket> held = new CopyOnWriteArrayList<>();
    ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      while (!silent.isClosed()) {
        try {
          held.add(silent.accept()); // accepted, never read, never answered
        } catch (IOException e) {
          return;
        }
      }
    }, "silent-collector");
    acceptor.setDaemon(true);
    acceptor.start();

    List<Setup> setups = new ArrayList<>();
    Transport transport = new Transport();
    try (Watch watch = new Watch()) {
      setups.add(new Setup("none", settings("none", null), callsPerSetup, transport));
      setups.add(new Setup("otlp, closed port", settings("otlp", "http://127.0.0.1:" + closedPort), callsPerSetup,
          transport));
      setups.add(new Setup("otlp, silent server", settings("otlp", "http://127.0.0.1:" + silent.getLocalPort()),
          callsPerSetup, transport));
      byte[] payload = new byte[64];
      new Random(seed).nextBytes(payload);
      int warmup = warmUp(setups, payload);
      long heapBefore = usedHeapAfterGc();
      long begin = System.nanoTime();
      for (int i = 0; i < callsPerSetup * setups.size(); i++) {
        Setup setup = setups.get(i % setups.size());
        setup.latencies[setup.count++] = setup.call(payload);
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
      long heapAfter = usedHeapAfterGc();

      Setup none = setups.get(0);
      report.figure("calls per setup (after " + warmup + " warm-up calls each: until the JIT compiler was quiet, at most " + MAX_WARMUP + ")",
          callsPerSetup);
      report.figure("elapsed (ms)", elapsedMs);
      for (Setup setup : setups) {
        report.figure("p50 / p90 / p99 / max latency (us), " + setup.name, micros(setup.percentile(0.50)) + " / "
            + micros(setup.percentile(0.90)) + " / " + micros(setup.percentile(0.99)) + " / "
            + micros(setup.percentile(1.0)));
      }
      report.figure("heap used after GC, before / after the measured calls (MiB)",
          mib(heapBefore) + " / " + mib(heapAfter));
      for (Setup setup : setups.subList(1, setups.size())) {
        double ratio = (double) setup.percentile(0.99) / none.percentile(0.99);
        report.check("p99 latency, " + setup.name + ", within " + MAX_P99_RATIO + "x of none's",
            ratio <= MAX_P99_RATIO, String.format("%.2fx (%d us vs %d us)", ratio,
                micros(setup.percentile(0.99)), micros(none.percentile(0.99))));
      }
      report.check("heap bounded (growth after GC <= " + mib(MAX_HEAP_GROWTH) + " MiB over "
              + none.count * setups.size() + " calls)",
          heapAfter - heapBefore <= MAX_HEAP_GROWTH, mib(heapAfter - heapBefore) + " MiB");

      for (Setup setup : setups) {
        setup.stopRpc();
        ExportStats before = setup.handle.exportStats();
        long start = System.nanoTime();
        setup.handle.close();
        long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ExportStats after = setup.handle.exportStats();
        long bound = SHUTDOWN_TIMEOUT.plus(CLOSE_SLACK).toMillis();
        report.check("close() bounded, " + setup.name + " (<= " + bound + " ms)", closeMs <= bound,
            closeMs + " ms");
        report.figure("export stats before close, " + setup.name, before);
        report.figure("export stats after close, " + setup.name, after);
        long spans = 2L * (warmup + setup.count);
        long counted = after.exportedSpans() + after.failedSpans() + after.droppedSpans();
        report.figure("spans neither exported, failed nor dropped after close, " + setup.name,
            setup.name.equals("none") ? "n/a (no exporter)" : (spans - counted) + " of " + spans);
      }
      report.figure("connections the silent server accepted", held.size());
      report.check("nothing uncaught, no SEVERE log", watch.uncaught.get() == 0 && watch.severe.get() == 0,
          watch.uncaught.get() + " uncaught, " + watch.severe.get() + " SEVERE " + watch.uncaughtExamples
              + watch.severeExamples);
      report.figure("WARNING records from gRPC/acitrace", watch.warnings.get() + " " + watch.warningExamples);
      report.note("Spans per setup: 2 per call (client and server), " + 2 * (warmup + none.count)
          + " in all. The export stats show where they went (OTLP's batch queue holds 2,048; the rest is dropped"
          + " while the collector is down).");
    } finally {
      for (Setup setup : setups) {
        setup.stopRpc();
        setup.handle.close();
      }
      transport.close();
      silent.close();
      for (Socket socket : held) {
        socket.close();
      }
    }
    return report;
  }

  /**
   * Calls every setup round-robin until the JIT compiler goes quiet (a batch during which it compiled for
   * less than {@link #QUIET_COMPILE_MS}), so that compilation on the machine's few cores does not land in the
   * measured tail; returns the warm-up calls made per setup.
   */
  private static int warmUp(List<Setup> setups, byte[] payload) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    int calls = 0;
    long compiled = timed ? jit.getTotalCompilationTime() : 0;
    while (calls < MAX_WARMUP) {
      for (int i = 0; i < WARMUP_BATCH * setups.size(); i++) {
        setups.get(i % setups.size()).call(payload);
      }
      calls += WARMUP_BATCH;
      long now = timed ? jit.getTotalCompilationTime() : 0;
      boolean quiet = timed && now - compiled < QUIET_COMPILE_MS;
      compiled = now;
      if (calls >= MIN_WARMUP && (quiet || !timed)) {
        break;
      }
    }
    return calls;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static long micros(long nanos) {
    return nanos / 1_000;
  }

  private static long mib(long bytes) {
    return bytes / (1024 * 1024);
  }
}
