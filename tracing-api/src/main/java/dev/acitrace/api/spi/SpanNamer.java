package dev.acitrace.api.spi;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;

/**
 * Chooses the name of an RPC span. Called once per method and side, when the interceptor first sees the
 * method; the result is cached, so the name must depend on nothing but its arguments.
 */
@FunctionalInterface
public interface SpanNamer {

  /** {@code package.Service/Method}, as the RPC semantic conventions name spans. */
  SpanNamer DEFAULT = (method, side) -> method.fullName();

  /** The span name for calls of {@code method} on {@code side}; never null or empty. */
  String spanName(RpcMethod method, RpcSide side);
}
