package dev.acitrace.snapshotter.launcher;

import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import dev.acitrace.snapshotter.launcher.Main.ServeOptions;
import dev.acitrace.snapshotter.launcher.Main.UsageException;
import dev.acitrace.snapshotter.proxy.SnapshotsProxy;
import dev.acitrace.snapshotter.proxy.UpstreamChannel;
import io.grpc.ManagedChannel;
import io.opentelemetry.api.OpenTelemetry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code serve --upstream ADDRESS}: the tracing proxy in front of another snapshotter. */
final class ProxyLauncher {

  /** How long a restarted upstream waits at most before the proxy uses it again. */
  static final Duration RECONNECT_INTERVAL = Duration.ofMillis(500);

  private ProxyLauncher() {}

  static String checkAddress(String address) throws UsageException {
    try {
      UpstreamChannel.target(address);
      return address;
    } catch (IllegalArgumentException e) {
      throw new UsageException("--upstream: " + e.getMessage());
    }
  }

  static int serve(ServeOptions options, PrintStream out, PrintStream err, CountDownLatch stop) {
    ServerWiring.LauncherTracing tracing = Main.initTracing("acitrace-snapshotter", err, err);
    if (tracing == null) {
      return Main.TRACING_CONFIG;
    }
    OpenTelemetry otel = tracing.openTelemetry();
    String address = options.upstream();
    ManagedChannel channel = UpstreamChannel.builder(address)
        .intercept(ServerWiring.clientInterceptor(otel, UpstreamChannel.target(address)))
        .build();
    AutoCloseable reconnect = UpstreamChannel.reconnectPromptly(channel, RECONNECT_INTERVAL);
    SnapshotsProxy proxy = SnapshotsProxy.create(channel, otel, address);
    SnapshotterServer.Builder builder = SnapshotterServer.forService(proxy.service())
        .configure(b -> {
          ServerWiring.instrumentServer(b, otel);
          b.fallbackHandlerRegistry(proxy.otherMethods())
              .maxInboundMessageSize(UpstreamChannel.MAX_MESSAGE_BYTES)
              // forwarding never blocks: run it on the transport's threads, no hand-off per callback
              .directExecutor();
        });
    Runnable release = () -> {
      try {
        reconnect.close();
      } catch (Exception e) {
        // only stops a timer
      }
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      tracing.close();
    };
    return Main.listenUntilStopped(builder, options, release,
        where -> "snapshotter: proxying " + address + " on" + where + tracing.spansTo(), out, err, stop);
  }
}
