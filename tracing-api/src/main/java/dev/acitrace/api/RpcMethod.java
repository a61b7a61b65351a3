package dev.acitrace.api;

import static java.util.Objects.requireNonNull;

/**
 * An RPC method as tracing sees it. Interceptors build one per method (not per call) and reuse it.
 *
 * @param fullName {@code package.Service/Method}, without a leading slash
 * @param service {@code package.Service}
 * @param method {@code Method}
 * @param callType the call shape
 */
public record RpcMethod(String fullName, String service, String method, CallType callType) {

  public RpcMethod {
    requireNonNull(fullName, "fullName");
    requireNonNull(service, "service");
    requireNonNull(method, "method");
    requireNonNull(callType, "callType");
  }

  /**
   * Parses a gRPC full method name ({@code package.Service/Method}; a leading slash is dropped).
   * A name with no slash is taken as a method of an unnamed service, so that a malformed name
   * coming off the wire still produces a usable description.
   *
   * @throws NullPointerException if an argument is null
   */
  public static RpcMethod parse(String fullMethodName, CallType callType) {
    requireNonNull(fullMethodName, "fullMethodName");
    String name = fullMethodName.startsWith("/") ? fullMethodName.substring(1) : fullMethodName;
    int slash = name.lastIndexOf('/');
    if (slash < 0) {
      return new RpcMethod(name, "", name, callType);
    }
    return new RpcMethod(name, name.substring(0, slash), name.substring(slash + 1), callType);
  }
}
