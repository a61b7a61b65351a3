package dev.acitrace.api.spi;

import io.opentelemetry.api.trace.Span;

/**
 * Adds attributes to RPC spans. Interceptors call every enricher they were built with, in
 * {@link NamedProvider#order()} order, and only for spans that are recording; an exception thrown by an
 * enricher is logged and swallowed, never propagated into the call.
 *
 * <p>Calls happen on the thread that starts or ends the span; one enricher instance serves all calls
 * concurrently, so it must be thread-safe (ideally stateless).
 */
public interface AttributeEnricher {

  /** Called right after the span starts, before the first message. */
  default void onStart(RpcRequestInfo request, Span span) {}

  /** Called right before the span ends, after the status is known. */
  default void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {}
}
