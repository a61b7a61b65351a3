package dev.acitrace.api.spi;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import io.opentelemetry.api.common.Attributes;
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

  /**
   * Attributes to add to every RPC metric measurement of {@code method} on {@code side} (the span
   * callbacks above never reach metrics). Asked once per method and side, when the interceptor first sees
   * the method, and cached: values must be bounded, a function of the method alone (a team, a tier, an API
   * version), never per call (no request ids, no baggage). The semantic conventions' own attributes win
   * over keys returned here. Not asked for methods the server does not know ({@code _OTHER}).
   *
   * @return the attributes, or {@link Attributes#empty()} (the default)
   */
  default Attributes metricAttributes(RpcMethod method, RpcSide side) {
    return Attributes.empty();
  }
}
