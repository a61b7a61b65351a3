package dev.acitrace.bench;

import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * acitrace's client and server interceptors, request-id behaviour and baggage enricher, set up the way the
 * docs tell users to: request ids are on by default in {@link GrpcServerTracing}, and every
 * {@code AttributeEnricherProvider} on the path is used, the baggage enricher
 * ({@code dev.acitrace.baggage.internal.BaggageAttributeEnricherProvider}, found through {@code META-INF/services})
 * included, with its default allowlist of standard keys (which {@link BaggageSamples#forCall()} uses).
 */
final class OursGrpcTracing implements GrpcTracingVariant {

  @Override
  public TextMapPropagator propagator() {
    return TextMapPropagator.composite(
        W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create());
  }

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    // not the static instrument(server): that one uses GlobalOpenTelemetry, not this benchmark's SDK
    GrpcServerTracing.create(openTelemetry).applyTo(server);
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    GrpcClientTracing.create(openTelemetry).applyTo(channel);
  }
}
