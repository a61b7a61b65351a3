package dev.acitrace.reliability;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import dev.acitrace.testing.EndCounting;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part b: server-streaming and bidi calls, many at once, with random client cancels, short deadlines,
 * handler exceptions, early closes and error statuses. Every span started must end exactly once (counted by
 * span id in a span processor, and second {@code end()} calls through {@link EndCounting}), and no context
 * may stay current on a pool thread afterwards.
 */
final class Lifecycle {
  private static final MethodDescriptor<byte[], byte[]> STREAM =
      Bytes.method(MethodDescriptor.MethodType.SERVER_STREAMING, "reliability.v1.Life/Stream");
  private static final MethodDescriptor<byte[], byte[]> BIDI =
      Bytes.method(MethodDescriptor.MethodType.BIDI_STREAMING, "reliability.v1.Life/Bidi");
  static final int POOL_THREADS = 4;

  /** What the handler does, from the first request byte. */
  enum Handler { NORMAL, THROW, EARLY_CLOSE, ERROR_STATUS, SLOW }

  /** What the client does. */
  enum Client { NORMAL, CANCEL_AT_START, CANCEL_ON_FIRST_MESSAGE, SHORT_DEADLINE }

  private final int calls;
  private final int concurrency;
  private final long seed;

  private final Map<String, AtomicInteger> endsBySpanId = new ConcurrentHashMap<>();
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong endedUnknown = new AtomicLong();
  private final List<String> examples = new CopyOnWriteArrayList<>();
  private final Map<Status.Code, AtomicLong> statuses = new ConcurrentHashMap<>();
  private final AtomicLong closedTwice = new AtomicLong();
  private ScheduledExecutorService timer;

  Lifecycle(int calls, int concurrency, long seed) {
    this.calls = calls;
    this.concurrency = concurrency;
    this.seed = seed;
  }

  Report run() throws Exception {
    Report report = new Report("lifecycle");
    EndCounting endCounting = new EndCounting();
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(new Counter()).build();
    OpenTelemetry openTelemetry = endCounting.wrap(OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create(TracingConfig.of(Map.of())))))
        .build());
    TracingConfig config = TracingConfig.of(Map.of());

    ExecutorService serverPool = Executors.newFixedThreadPool(POOL_THREADS, Threads.named("life-server"));
    ExecutorService clientPool = Executors.newFixedThreadPool(POOL_THREADS, Threads.named("life-client"));
    timer = Executors.newSingleThreadScheduledExecutor(Threads.named("life-timer"));
    EventLoopGroup boss = new NioEventLoopGroup(1, Threads.named("life-boss"));
    EventLoopGroup serverLoops = new NioEventLoopGroup(2, Threads.named("life-server-loop"));
    EventLoopGroup clientLoops = new NioEventLoopGroup(2, Threads.named("life-client-loop"));

    ServerServiceDefinition service = ServerServiceDefinition.builder("reliability.v1.Life")
        .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
        .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(this::bidi))
        .build();
    NettyServerBuilder serverBuilder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .channelType(NioServerSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(serverLoops)
        .executor(serverPool)
        .maxConcurrentCallsPerConnection(Integer.MAX_VALUE)
        .addService(service);
    Server server = GrpcServerTracing.builder(openTelemetry).config(config).build().applyTo(serverBuilder)
        .build().start();
    ManagedChannel channel = GrpcClientTracing.builder(openTelemetry).config(config).build()
        .applyTo(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .channelType(NioSocketChannel.class)
            .eventLoopGroup(clientLoops)
            .executor(clientPool)
            .usePlaintext())
        .build();

    Map<Handler, AtomicLong> handlerMix = new EnumMap<>(Handler.class);
    Map<Client, AtomicLong> clientMix = new EnumMap<>(Client.class);
    for (Handler h : Handler.values()) {
      handlerMix.put(h, new AtomicLong());
    }
    for (Client c : Client.values()) {
      clientMix.put(c, new AtomicLong());
    }
    long begin = System.nanoTime();
    long maxInFlight;
    try (Watch watch = new Watch()) {
      Random random = new Random(seed);
      Semaphore inFlight = new Semaphore(concurrency);
      AtomicInteger current = new AtomicInteger();
      AtomicInteger peak = new AtomicInteger();
      for (int i = 0; i < calls; i++) {
        boolean bidi = random.nextBoolean();
        Handler handler = Handler.values()[random.nextInt(Handler.values().length)];
        Client client = random.nextInt(10) < 4 ? Client.NORMAL
            : Client.values()[1 + random.nextInt(Client.values().length - 1)];
        handlerMix.get(handler).incrementAndGet();
        clientMix.get(client).incrementAndGet();
        int messages = 1 + random.nextInt(4);
        int deadlineMs = 1 + random.nextInt(20);
        inFlight.acquire();
        peak.accumulateAndGet(current.incrementAndGet(), Math::max);
        start(channel, bidi, handler, client, messages, deadlineMs, () -> {
          current.decrementAndGet();
          inFlight.release();
        });
      }
      // a call that never closes is a finding, not a reason to hang: wait a bounded time
      boolean allClosed = inFlight.tryAcquire(concurrency, 60, TimeUnit.SECONDS);
      int stuck = allClosed ? 0 : concurrency - inFlight.availablePermits();
      maxInFlight = peak.get();
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);

      // server spans end when the server sees the call finish, which may come after the client's onClose
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline && !allEnded()) {
        Thread.sleep(20);
      }
      Thread.sleep(200); // a late second end would show up here

      List<String> leaks = new ArrayList<>();
      leaks.addAll(checkPool("server executor", serverPool));
      leaks.addAll(checkPool("client executor", clientPool));
      leaks.addAll(checkLoops("server event loops", serverLoops));
      leaks.addAll(checkLoops("client event loops", clientLoops));
      leaks.addAll(checkLoops("boss event loop", boss));

      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      tracerProvider.shutdown().join(10, TimeUnit.SECONDS);

      long notEnded = endsBySpanId.values().stream().filter(c -> c.get() == 0).count();
      endsBySpanId.forEach((id, count) -> {
        if (count.get() != 1 && examples.size() < 5) {
          examples.add(names.get(id) + " ended " + count.get() + " times");
        }
      });
      long endedTwice = endsBySpanId.values().stream().filter(c -> c.get() > 1).count();
      report.figure("calls", calls);
      report.figure("seed", seed);
      report.figure("concurrent calls (limit / peak)", concurrency + " / " + maxInFlight);
      report.figure("elapsed (ms)", elapsedMs);
      report.figure("calls/s", calls * 1000L / Math.max(1, elapsedMs));
      report.figure("handler behaviours", handlerMix);
      report.figure("client behaviours", clientMix);
      report.figure("statuses the clients got", new java.util.TreeMap<>(statuses));
      report.figure("spans started (processor / decorator)", started.get() + " / " + endCounting.spansHandedOut());
      report.figure("end() calls through the decorator", endCounting.endCalls());
      report.figure("SEVERE records (gRPC logging the handlers' own exceptions) / WARNING records",
          watch.severe.get() + " / " + watch.warnings.get() + " " + watch.warningExamples);

      report.check(">= 1 span per call was started (client spans at least)", started.get() >= calls,
          started.get() + " spans for " + calls + " calls");
      report.check("every started span ended (onEnd per span id)", notEnded == 0,
          notEnded + " never ended " + examples);
      report.check("no span ended twice (onEnd per span id)", endedTwice == 0 && endedUnknown.get() == 0,
          endedTwice + " ended more than once, " + endedUnknown.get() + " ended without a start " + examples);
      report.check("no second end() call (decorator)", endCounting.extraEndCalls() == 0,
          endCounting.extraEndCalls() + " " + endCounting.examples());
      report.check("every span the decorator handed out was ended", endCounting.endCalls()
          - endCounting.extraEndCalls() == endCounting.spansHandedOut(),
          (endCounting.endCalls() - endCounting.extraEndCalls()) + " of " + endCounting.spansHandedOut());
      report.check("every call closed on the client (within 60 s of the last start)", stuck == 0,
          stuck + " calls still open");
      report.check("each call closed exactly once on the client", closedTwice.get() == 0,
          closedTwice.get() + " closed twice");
      report.check("no context left on pool threads (OpenTelemetry and io.grpc.Context, after the run)",
          leaks.isEmpty(), leaks.isEmpty() ? "executors, event loops: root context everywhere" : leaks.toString());
      report.check("nothing uncaught", watch.uncaught.get() == 0, watch.uncaught.get() + " " + watch.uncaughtExamples);
    } finally {
      serverPool.shutdownNow();
      clientPool.shutdownNow();
      timer.shutdownNow();
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    return report;
  }

  private boolean allEnded() {
    for (AtomicInteger count : endsBySpanId.values()) {
      if (count.get() == 0) {
        return false;
      }
    }
    return true;
  }

  private void start(ManagedChannel channel, boolean bidi, Handler handler, Client client, int messages,
      int deadlineMs, Runnable done) {
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(
        client == Client.SHORT_DEADLINE ? deadlineMs : 30_000, TimeUnit.MILLISECONDS);
    ClientCall<byte[], byte[]> call = channel.newCall(bidi ? BIDI : STREAM, options);
    AtomicInteger closes = new AtomicInteger();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        if (client == Client.CANCEL_ON_FIRST_MESSAGE) {
          call.cancel("cancelled by the test on the first message", null);
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        statuses.computeIfAbsent(status.getCode(), c -> new AtomicLong()).incrementAndGet();
        if (closes.incrementAndGet() == 1) {
          done.run();
        } else {
          closedTwice.incrementAndGet();
        }
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    if (client == Client.CANCEL_AT_START) {
      call.cancel("cancelled by the test at start", null);
      return;
    }
    byte[] first = {(byte) handler.ordinal(), (byte) messages};
    try {
      call.sendMessage(first);
      if (bidi) {
        for (int i = 1; i < messages; i++) {
          call.sendMessage(new byte[] {(byte) handler.ordinal(), (byte) i});
        }
      }
      call.halfClose();
    } catch (IllegalStateException e) {
      // the call was cancelled by a listener callback meanwhile: what a client sees, nothing to check
    }
  }

  // ---- handlers ----------------------------------------------------------------------------------------

  private void stream(byte[] request, StreamObserver<byte[]> responses) {
    Handler handler = Handler.values()[request[0]];
    int messages = request[1];
    switch (handler) {
      case NORMAL -> {
        for (int i = 0; i < messages; i++) {
          responses.onNext(new byte[] {(byte) i});
        }
        responses.onCompleted();
      }
      case THROW -> throw new IllegalStateException("handler failure (reliability test)");
      case EARLY_CLOSE -> responses.onCompleted();
      case ERROR_STATUS -> {
        responses.onNext(new byte[] {0});
        responses.onError(Status.ABORTED.withDescription("aborted by the handler").asRuntimeException());
      }
      case SLOW -> later(responses, messages);
      default -> throw new AssertionError(handler);
    }
  }

  private StreamObserver<byte[]> bidi(StreamObserver<byte[]> responses) {
    return new StreamObserver<>() {
      private Handler handler;
      private boolean closed;

      @Override
      public void onNext(byte[] message) {
        if (closed) {
          return;
        }
        if (handler == null) {
          handler = Handler.values()[message[0]];
          switch (handler) {
            case THROW -> throw new IllegalStateException("handler failure (reliability test)");
            case EARLY_CLOSE -> {
              closed = true;
              responses.onCompleted(); // before the client is done sending
              return;
            }
            case ERROR_STATUS -> {
              closed = true;
              responses.onError(Status.FAILED_PRECONDITION.withDescription("refused").asRuntimeException());
              return;
            }
            default -> { }
          }
        }
        try {
          responses.onNext(message);
        } catch (RuntimeException e) {
          closed = true; // cancelled meanwhile
        }
      }

      @Override
      public void onError(Throwable t) {
        closed = true;
      }

      @Override
      public void onCompleted() {
        if (!closed) {
          closed = true;
          if (handler == Handler.SLOW) {
            timer.schedule(() -> complete(responses), 1 + (System.nanoTime() & 7), TimeUnit.MILLISECONDS);
          } else {
            responses.onCompleted();
          }
        }
      }
    };
  }

  /** Answers a few milliseconds later, from another thread, if the call is still on. */
  private void later(StreamObserver<byte[]> responses, int messages) {
    timer.schedule(() -> {
      try {
        for (int i = 0; i < messages; i++) {
          if (responses instanceof ServerCallStreamObserver<byte[]> s && s.isCancelled()) {
            return;
          }
          responses.onNext(new byte[] {(byte) i});
        }
        responses.onCompleted();
      } catch (RuntimeException e) {
        // cancelled between the check and the send
      }
    }, 1 + (System.nanoTime() & 15), TimeUnit.MILLISECONDS);
  }

  private static void complete(StreamObserver<byte[]> responses) {
    try {
      responses.onCompleted();
    } catch (RuntimeException e) {
      // cancelled meanwhile
    }
  }

  // ---- checks ------------------------------------------------------------------------------------------

  private static String leakOnThisThread() {
    boolean otel = Context.current() != Context.root();
    boolean grpc = io.grpc.Context.current() != io.grpc.Context.ROOT;
    if (!otel && !grpc) {
      return null;
    }
    return Thread.currentThread().getName() + ": " + (otel ? "OpenTelemetry context " + Context.current() : "")
        + (grpc ? " io.grpc.Context not ROOT" : "");
  }

  /** Runs the check on every thread of a fixed pool: all tasks wait at a barrier, so each has its own thread. */
  static List<String> checkPool(String name, ExecutorService pool) throws Exception {
    CyclicBarrier barrier = new CyclicBarrier(POOL_THREADS);
    List<java.util.concurrent.Future<String>> results = new ArrayList<>();
    for (int i = 0; i < POOL_THREADS; i++) {
      results.add(pool.submit(() -> {
        String leak = leakOnThisThread();
        barrier.await(10, TimeUnit.SECONDS);
        return leak;
      }));
    }
    List<String> leaks = new ArrayList<>();
    for (var result : results) {
      String leak = result.get(20, TimeUnit.SECONDS);
      if (leak != null) {
        leaks.add(name + ": " + leak);
      }
    }
    return leaks;
  }

  static List<String> checkLoops(String name, EventLoopGroup group) throws Exception {
    List<String> leaks = new ArrayList<>();
    for (EventExecutor loop : group) {
      String leak = loop.submit(Lifecycle::leakOnThisThread).get(20, TimeUnit.SECONDS);
      if (leak != null) {
        leaks.add(name + ": " + leak);
      }
    }
    return leaks;
  }

  /** Counts onStart/onEnd per span id. */
  private final class Counter implements SpanProcessor {
    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
      started.incrementAndGet();
      endsBySpanId.put(span.getSpanContext().getSpanId(), new AtomicInteger());
      names.put(span.getSpanContext().getSpanId(), span.getKind() + " " + span.getName());
    }

    @Override
    public boolean isStartRequired() {
      return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      AtomicInteger count = endsBySpanId.get(span.getSpanContext().getSpanId());
      if (count == null) {
        endedUnknown.incrementAndGet();
      } else {
        count.incrementAndGet();
      }
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }
}
