package dev.acitrace.snapshotter.proxy;

import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * In-process wiring as the launcher does it over sockets: caller (traced client) -> proxy (traced server,
 * {@link SnapshotsProxy}, traced client) -> upstream (any service, traced server). All spans land in one
 * in-memory exporter; W3C trace context and baggage propagate.
 */
final class ProxyHarness implements AutoCloseable {

  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
          W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
      .build();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  final String upstreamName = InProcessServerBuilder.generateName();
  final String proxyName = InProcessServerBuilder.generateName();
  SnapshotsProxy proxy;

  /** Starts the upstream (traced) and the proxy in front of it. */
  ProxyHarness start(ServerServiceDefinition upstream) throws IOException {
    servers.add(GrpcServerTracing.create(sdk)
        .applyTo(InProcessServerBuilder.forName(upstreamName).addService(upstream)).build().start());
    ManagedChannel toUpstream = channel(InProcessChannelBuilder.forName(upstreamName)
        .intercept(GrpcClientTracing.create(sdk).newInterceptor()));
    proxy = SnapshotsProxy.create(toUpstream, sdk, "in-process " + upstreamName);
    servers.add(GrpcServerTracing.create(sdk).applyTo(InProcessServerBuilder.forName(proxyName)
        .addService(proxy.service()).fallbackHandlerRegistry(proxy.otherMethods())).build().start());
    return this;
  }

  /** A traced caller's channel to the proxy. */
  ManagedChannel toProxy() {
    return channel(InProcessChannelBuilder.forName(proxyName).intercept(GrpcClientTracing.create(sdk).newInterceptor()));
  }

  /** An untraced channel to the proxy (as containerd 1.6 calls). */
  ManagedChannel toProxyUntraced() {
    return channel(InProcessChannelBuilder.forName(proxyName));
  }

  /** An untraced channel straight to the upstream. */
  ManagedChannel toUpstream() {
    return channel(InProcessChannelBuilder.forName(upstreamName));
  }

  private ManagedChannel channel(InProcessChannelBuilder builder) {
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    sdk.close();
  }
}
