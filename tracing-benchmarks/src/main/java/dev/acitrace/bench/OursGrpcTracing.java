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

  private final TextMapPropagator propagator;
  private final boolean attemptSpans;

  /** The setup the docs describe: W3C trace context with acitrace's baggage propagator. */
  OursGrpcTracing() {
    this(ownPropagators(), false);
  }

  private OursGrpcTracing(TextMapPropagator propagator, boolean attemptSpans) {
    this.propagator = propagator;
    this.attemptSpans = attemptSpans;
  }

  /** The same interceptors with OpenTelemetry's own W3C propagators ({@code tracecontext,baggage}). */
  static OursGrpcTracing withStandardPropagators() {
    return new OursGrpcTracing(W3C_PROPAGATORS, false);
  }

  /** The documented setup with attempt spans on ({@code attemptSpans(true)} on the client). */
  static OursGrpcTracing withAttemptSpans() {
    return new OursGrpcTracing(ownPropagators(), true);
  }

  private static TextMapPropagator ownPropagators() {
    return TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create());
  }

  @Override
  public TextMapPropagator propagator() {
    return propagator;
  }

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    // not the static instrument(server): that one uses GlobalOpenTelemetry, not this benchmark's SDK
    GrpcServerTracing.create(openTelemetry).applyTo(server);
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    GrpcClientTracing.builder(openTelemetry).attemptSpans(attemptSpans).build().applyTo(channel);
  }
}
