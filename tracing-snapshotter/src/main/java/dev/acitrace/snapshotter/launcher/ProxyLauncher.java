package dev.acitrace.snapshotter.launcher;

import dev.acitrace.bundle.TracingConfigurationException;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import dev.acitrace.snapshotter.launcher.Main.ServeOptions;
import dev.acitrace.snapshotter.launcher.Main.UsageException;
import dev.acitrace.snapshotter.proxy.SnapshotsProxy;
import dev.acitrace.snapshotter.proxy.UpstreamChannel;
import io.grpc.ManagedChannel;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
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
    ServerWiring.LauncherTracing tracing;
    try {
      tracing = ServerWiring.initTracing("acitrace-snapshotter", err);
    } catch (TracingConfigurationException e) {
      err.println("snapshotter: invalid tracing configuration: " + e.getMessage());
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
    if (options.socket() != null) {
      builder.unixSocket(options.socket()).socketMode(options.socketMode());
      if (options.socketGroup() != null) {
        builder.socketGroup(options.socketGroup());
      }
    }
    if (options.tcpHost() != null) {
      builder.tcp(options.tcpHost(), options.tcpPort());
    }
    SnapshotterServer server = builder.build();
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
    try {
      server.start();
    } catch (BindException e) {
      err.println("snapshotter: " + e.getMessage());
      release.run();
      return Main.ADDRESS_IN_USE;
    } catch (IOException | RuntimeException e) {
      err.println("snapshotter: cannot start: " + Main.describe(e));
      release.run();
      return Main.FAILURE;
    }
    Runnable shutdown = () -> {
      server.close();
      release.run();
    };
    StringBuilder where = new StringBuilder();
    server.unixSocket().ifPresent(s -> where.append(" unix://").append(s));
    server.tcpAddress().ifPresent(a -> where.append(" tcp://").append(a.getHostString()).append(':').append(a.getPort()));
    out.println("snapshotter: proxying " + address + " on" + where
        + (tracing.destination() == null ? "" : ", spans to " + tracing.destination()));
    out.flush();
    try {
      if (stop == null) {
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "snapshotter-shutdown"));
        server.awaitTermination();
      } else {
        stop.await();
        shutdown.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown.run();
    }
    return Main.OK;
  }
}
