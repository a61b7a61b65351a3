package dev.acitrace.reliability;

import dev.acitrace.bundle.ExportStats;
import dev.acitrace.bundle.Tracing;
import dev.acitrace.bundle.TracingHandle;
import dev.acitrace.bundle.TracingSettings;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import dev.acitrace.testing.SilentCollector;
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
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Part c: the collector is down. acitrace is initialized with {@code Tracing.init} three times in one JVM:
 * exporter {@code none}, OTLP to a closed port, and OTLP to a TCP server that accepts and never answers.
 * Calls go to the three round-robin, one at a time, through the same threads (one event loop for both ends
 * of every connection, one handler thread; the calling thread runs the client's callbacks), so that whatever
 * the machine does meanwhile hits them alike, after a warm-up that lasts until the JIT compiler is quiet (or a
 * cap); the p99 latency of each outage must be within 1.2x of {@code none}'s, the
 * heap must not grow with the calls, and {@code close()} must return within its bound.
 */
final class CollectorOutage {
  private static final MethodDescriptor<byte[], byte[]> ECHO =
      Bytes.method(MethodDescriptor.MethodType.UNARY, "reliability.v1.Outage/Echo");
  static final double MAX_P99_RATIO = 1.2;
  /**
   * Warm-up batches of this many calls per setup go on until one compiles for less than QUIET_COMPILE_MS:
   * at least MIN_WARMUP and at most MAX_WARMUP calls per setup, whatever --scale says (with a tenth of the
   * warm-up, the OTLP setups' calls ran 20% slower at the median than none's while their code compiled).
   */
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
    final EventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("outage-loop", true));
    final ExecutorService handlers = Executors.newSingleThreadExecutor(Threads.named("outage-handler"));

    /** Stops both; called after every server and channel on them stopped. */
    @Override
    public void close() throws InterruptedException {
      handlers.shutdownNow();
      boolean handlersDone = handlers.awaitTermination(5, TimeUnit.SECONDS);
      boolean loopDone = loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
      if (!handlersDone || !loopDone) {
        throw new IllegalStateException("outage transport threads still running after 10 s (handler thread done: "
            + handlersDone + ", event loop done: " + loopDone + ")");
      }
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
    private long[] sorted;

    Setup(String name, TracingSettings settings, int calls, Transport transport) throws IOException {
      this.name = name;
      this.handle = Tracing.init(settings);
      ServerServiceDefinition service = ServerServiceDefinition.builder("reliability.v1.Outage")
          .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, responses) -> {
            responses.onNext(request);
            responses.onCompleted();
          }))
          .build();
      Server started = null;
      try {
        started = GrpcServerTracing.create(handle.openTelemetry())
            .applyTo(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(transport.loop)
                .workerEventLoopGroup(transport.loop)
                .executor(transport.handlers)
                .addService(service))
            .build().start();
        channel = GrpcClientTracing.create(handle.openTelemetry())
            .applyTo(NettyChannelBuilder.forAddress("127.0.0.1", started.getPort())
                .channelType(NioSocketChannel.class)
                .eventLoopGroup(transport.loop)
                .usePlaintext())
            .build();
      } catch (IOException | RuntimeException e) {
        if (started != null) {
          started.shutdownNow();
        }
        handle.close();
        throw e;
      }
      server = started;
      latencies = new long[calls];
    }

    long call(byte[] payload) {
      long start = System.nanoTime();
      ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          payload);
      return System.nanoTime() - start;
    }

    /** The p-quantile (nearest rank) of the measured latencies; call once all are measured. */
    long percentile(double p) {
      if (sorted == null) {
        sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
      }
      return sorted[Math.min(count - 1, (int) Math.ceil(p * count) - 1)];
    }

    /** Stops the channel, then the server, whatever the channel's shutdown threw. */
    void stopRpc() throws InterruptedException {
      try {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } finally {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }

    /** Stops the RPC side, then closes tracing (idempotent) whatever stopping threw. */
    void stop() throws InterruptedException {
      try {
        stopRpc();
      } finally {
        handle.close();
      }
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
    SilentCollector silent = new SilentCollector();
    List<Setup> setups = new ArrayList<>();
    Transport transport = null;
    try {
      transport = new Transport();
      measure(report, setups, transport, closedPort, silent);
    } finally {
      // Every step runs whatever an earlier one threw; the first failure is thrown, the others suppressed.
      List<Exception> failures = new ArrayList<>();
      for (Setup setup : setups) {
        attempt(failures, setup::stop);
      }
      if (transport != null) {
        attempt(failures, transport::close);
      }
      attempt(failures, silent::close);
      if (!failures.isEmpty()) {
        Exception first = failures.get(0);
        failures.subList(1, failures.size()).forEach(first::addSuppressed);
        throw first;
      }
    }
    return report;
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void attempt(List<Exception> failures, Step step) {
    try {
      step.run();
    } catch (Exception e) {
      failures.add(e);
    }
  }

  /** Starts the three setups (added to {@code setups} as they start), measures them and checks the properties. */
  private void measure(Report report, List<Setup> setups, Transport transport, int closedPort,
      SilentCollector silent) throws Exception {
    try (Watch watch = new Watch()) {
      setups.add(new Setup("none", settings("none", null), callsPerSetup, transport));
      setups.add(new Setup("otlp, closed port", settings("otlp", "http://127.0.0.1:" + closedPort), callsPerSetup,
          transport));
      setups.add(new Setup("otlp, silent server", settings("otlp", silent.endpoint()),
          callsPerSetup, transport));
      byte[] payload = new byte[64];
      new Random(seed).nextBytes(payload);
      WarmUp warmUp = warmUp(setups, payload, MIN_WARMUP, MAX_WARMUP); // not scaled: the JIT needs what it needs
      int warmup = warmUp.calls();
      long heapBefore = usedHeapAfterGc();
      long begin = System.nanoTime();
      for (int i = 0; i < callsPerSetup * setups.size(); i++) {
        Setup setup = setups.get(i % setups.size());
        setup.latencies[setup.count++] = setup.call(payload);
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
      long heapAfter = usedHeapAfterGc();

      Setup none = setups.get(0);
      report.figure("warm-up calls per setup", warmup + (warmUp.quiet() ? " (until the JIT compiler was quiet)"
          : " (the cap: the JIT compiler was still compiling)"));
      report.figure("measured calls per setup", callsPerSetup);
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
      report.figure("connections the silent server accepted", silent.connections());
      report.check("nothing uncaught, no SEVERE log", watch.uncaught.get() == 0 && watch.severe.get() == 0,
          watch.uncaught.get() + " uncaught, " + watch.severe.get() + " SEVERE " + watch.uncaughtExamples
              + watch.severeExamples);
      report.figure("WARNING records from gRPC/acitrace", watch.warnings.get() + " " + watch.warningExamples);
      report.note("Spans per setup: 2 per call (client and server), " + 2 * (warmup + none.count)
          + " in all. The export stats show where they went (OTLP's batch queue holds 2,048; the rest is dropped"
          + " while the collector is down).");
    }
  }

  /** How the warm-up ended: the calls made per setup, and whether the JIT compiler had gone quiet. */
  private record WarmUp(int calls, boolean quiet) {}

  /**
   * Calls every setup round-robin, at least {@code min} and at most {@code max} times each, until the JIT
   * compiler goes quiet (a batch during which it compiled for less than {@link #QUIET_COMPILE_MS}), so that
   * compilation on the machine's few cores does not land in the measured tail.
   */
  private static WarmUp warmUp(List<Setup> setups, byte[] payload, int min, int max) {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    int calls = 0;
    long compiled = timed ? jit.getTotalCompilationTime() : 0;
    while (calls < max) {
      int batch = Math.min(WARMUP_BATCH, max - calls);
      for (int i = 0; i < batch * setups.size(); i++) {
        setups.get(i % setups.size()).call(payload);
      }
      calls += batch;
      long now = timed ? jit.getTotalCompilationTime() : 0;
      boolean quiet = timed && now - compiled < QUIET_COMPILE_MS;
      compiled = now;
      if (calls >= min && quiet) {
        return new WarmUp(calls, true);
      }
    }
    return new WarmUp(calls, false);
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
