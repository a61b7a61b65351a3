package dev.acitrace.bench;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * How one benchmark variant traces the in-process server and channel. The harness builds the SDK from
 * {@link #propagator()}, then lets the variant instrument both builders before they are built.
 */
interface GrpcTracingVariant {

  /** No tracing at all: the floor. */
  GrpcTracingVariant NONE =
      new GrpcTracingVariant() {
        @Override
        public boolean traced() {
          return false;
        }

        @Override
        public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {}

        @Override
        public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {}
      };

  /** W3C trace context and W3C baggage: what OpenTelemetry users configure. */
  TextMapPropagator W3C_PROPAGATORS =
      TextMapPropagator.composite(
          W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());

  /** Whether this variant needs an OpenTelemetry SDK at all (the floor does not build one). */
  default boolean traced() {
    return true;
  }

  /** The propagators the SDK is built with. */
  default TextMapPropagator propagator() {
    return W3C_PROPAGATORS;
  }

  /** Adds the variant's server-side interceptors (tracing, request id, ...) to {@code server}. */
  void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry);

  /** Adds the variant's client-side interceptors to {@code channel}. */
  void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry);
}
