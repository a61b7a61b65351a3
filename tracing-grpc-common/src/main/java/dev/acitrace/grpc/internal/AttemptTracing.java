package dev.acitrace.grpc.internal;

import io.grpc.ClientStreamTracer;

/**
 * The client's hook point for per-attempt tracing (retries, hedges, transparent retries): asked once per
 * traced client call, in {@code interceptCall} before the call is created, for a
 * {@link ClientStreamTracer.Factory} that the interceptor adds to the call's {@code CallOptions}
 * ({@code withStreamTracerFactory}), as grpc-java's own {@code CallAttemptsTracerFactory} is added.
 *
 * <p>The factory's tracers are created by gRPC after {@code ClientCall.start}, so by then
 * {@link TracedCall#context()} holds the call's span: parent attempt spans on it. (Message sizes are measured
 * by a factory of their own, see {@link CallSizes}.) Not for public use.
 */
@FunctionalInterface
public interface AttemptTracing {

  /** The factory to add to {@code call}'s options, or {@code null} to add none. Must not throw. */
  ClientStreamTracer.Factory newFactory(TracedCall call);
}
