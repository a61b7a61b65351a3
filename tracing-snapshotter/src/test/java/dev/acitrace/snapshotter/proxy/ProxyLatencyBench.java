package dev.acitrace.snapshotter.proxy;

import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the proxy adds to a call, on loopback: the same call made straight to an upstream and through the
 * proxy, over unix sockets, one at a time, interleaved in blocks so both see the same machine; latency
 * percentiles of each and their difference. Not a test (nothing is judged); run by {@code bench/proxy-latency}.
 *
 * <p>The upstream is our directory snapshotter served untraced (as stargz or overlaybd serve theirs); the
 * proxy is wired as {@code serve --upstream} wires it: server tracing, the {@code snapshotter.<Op>} span,
 * client tracing with W3C trace context and baggage injected, every span sampled and exported through a
 * batch processor to an exporter that drops them. The caller sends no context (as containerd 1.6).
 */
public final class ProxyLatencyBench {

  private ProxyLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Path temp = Files.createTempDirectory(Path.of("/tmp"), "aciplb");
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(BatchSpanProcessor.builder(new Dropping()).build()).build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
    Path upstreamSocket = temp.resolve("up.sock");
    Path proxySocket = temp.resolve("proxy.sock");
    try (DirectorySnapshotter directory = DirectorySnapshotter.open(temp.resolve("root"));
        SnapshotterServer upstream = SnapshotterServer.builder(directory).unixSocket(upstreamSocket).build().start()) {
      directory.prepare("active", "", Map.of("containerd.io/snapshot/x", "y"));
      directory.commit("base", "active", Map.of("containerd.io/snapshot/layer.digest", "sha256:0123"));
      for (int i = 0; i < 20; i++) {
        directory.view("view-" + i, "base", Map.of());
      }
      String address = "unix://" + upstreamSocket;
      ManagedChannel toUpstream = UpstreamChannel.builder(address)
          .intercept(GrpcClientTracing.builder(sdk).target(address).build().newInterceptor()).build();
      SnapshotsProxy proxy = SnapshotsProxy.create(toUpstream, sdk, address);
      try (SnapshotterServer proxyServer = SnapshotterServer.forService(proxy.service())
          .unixSocket(proxySocket)
          .configure(b -> {
            GrpcServerTracing.create(sdk).applyTo(b);
            b.fallbackHandlerRegistry(proxy.otherMethods()).directExecutor();
          })
          .build().start()) {
        ManagedChannel direct = SnapshotsClient.unixChannel(upstreamSocket).build();
        ManagedChannel proxied = SnapshotsClient.unixChannel(proxySocket).build();
        byte[] stat = StatSnapshotRequest.newBuilder().setSnapshotter("acitrace").setKey("base").build().toByteArray();
        byte[] list = ListSnapshotsRequest.newBuilder().setSnapshotter("acitrace").build().toByteArray();
        System.out.printf("proxy latency, %d calls each after %d warm-up calls, unix sockets, %d cores, %s%n",
            calls, warmup, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        report("Stat", measure(direct, proxied, calls, warmup, channel -> ClientCalls.blockingUnaryCall(channel,
            SnapshotsProxy.method(Operation.STAT), CallOptions.DEFAULT, stat)));
        report("List (21 snapshots)", measure(direct, proxied, calls, warmup, channel -> {
          Iterator<byte[]> pages = ClientCalls.blockingServerStreamingCall(channel,
              SnapshotsProxy.method(Operation.LIST), CallOptions.DEFAULT, list);
          while (pages.hasNext()) {
            pages.next();
          }
        }));
        direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        proxied.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      } finally {
        toUpstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      sdk.close();
      try (var files = Files.walk(temp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  interface Call {
    void run(ManagedChannel channel) throws Exception;
  }

  private static long[][] measure(ManagedChannel direct, ManagedChannel proxied, int calls, int warmup, Call call)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      call.run(direct);
      call.run(proxied);
    }
    long[] directNanos = new long[calls];
    long[] proxiedNanos = new long[calls];
    int block = 500;
    for (int done = 0; done < calls; done += block) {
      int n = Math.min(block, calls - done);
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        call.run(direct);
        directNanos[done + i] = System.nanoTime() - start;
      }
      for (int i = 0; i < n; i++) {
        long start = System.nanoTime();
        call.run(proxied);
        proxiedNanos[done + i] = System.nanoTime() - start;
      }
    }
    return new long[][] {directNanos, proxiedNanos};
  }

  private static void report(String name, long[][] nanos) {
    long[] direct = nanos[0].clone();
    long[] proxied = nanos[1].clone();
    Arrays.sort(direct);
    Arrays.sort(proxied);
    System.out.printf("%-20s %10s %10s %10s%n", name, "p50 ms", "p90 ms", "p99 ms");
    System.out.printf("%-20s %10.3f %10.3f %10.3f%n", "  direct", ms(direct, 50), ms(direct, 90), ms(direct, 99));
    System.out.printf("%-20s %10.3f %10.3f %10.3f%n", "  through the proxy", ms(proxied, 50), ms(proxied, 90),
        ms(proxied, 99));
    System.out.printf("%-20s %10.3f %10.3f %10.3f%n", "  added", ms(proxied, 50) - ms(direct, 50),
        ms(proxied, 90) - ms(direct, 90), ms(proxied, 99) - ms(direct, 99));
  }

  private static double ms(long[] sorted, int percentile) {
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }

  /** Exports nowhere: the cost measured is making and recording the spans, not shipping them. */
  private static final class Dropping implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
