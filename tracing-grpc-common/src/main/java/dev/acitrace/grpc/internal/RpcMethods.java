package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.CallType;
import dev.acitrace.api.RpcMethod;
import io.grpc.MethodDescriptor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link RpcMethod}s of gRPC {@link MethodDescriptor}s, parsed once per method name and cached. The cache is
 * bounded: where callers choose method names (a fallback handler registry), names past the bound are
 * parsed per call instead of growing the cache.
 */
public final class RpcMethods {

  private static final int MAX_CACHED = 4096;
  private static final ConcurrentMap<String, RpcMethod> cache = new ConcurrentHashMap<>();

  private RpcMethods() {}

  /** The method {@code descriptor} describes. */
  public static RpcMethod of(MethodDescriptor<?, ?> descriptor) {
    requireNonNull(descriptor, "descriptor");
    String name = descriptor.getFullMethodName();
    RpcMethod method = cache.get(name);
    if (method != null && method.callType() == callType(descriptor.getType())) {
      return method;
    }
    method = RpcMethod.parse(name, callType(descriptor.getType()));
    if (cache.size() < MAX_CACHED) {
      cache.put(name, method);
    }
    return method;
  }

  /** Empties the JVM-wide cache: for tests that fill it past its bound, so later tests start fresh. */
  static void clearCache() {
    cache.clear();
  }

  /** gRPC's method type as acitrace's call type ({@code UNKNOWN} for null or unknown). */
  public static CallType callType(MethodDescriptor.MethodType type) {
    if (type == null) {
      return CallType.UNKNOWN;
    }
    switch (type) {
      case UNARY:
        return CallType.UNARY;
      case CLIENT_STREAMING:
        return CallType.CLIENT_STREAMING;
      case SERVER_STREAMING:
        return CallType.SERVER_STREAMING;
      case BIDI_STREAMING:
        return CallType.BIDI_STREAMING;
      default:
        return CallType.UNKNOWN;
    }
  }
}
