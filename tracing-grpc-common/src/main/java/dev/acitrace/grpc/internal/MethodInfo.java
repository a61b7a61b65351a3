package dev.acitrace.grpc.internal;

import dev.acitrace.api.RpcMethod;
import io.opentelemetry.api.common.Attributes;

/**
 * What tracing needs to know about one method, computed once per method and side: the method, its span
 * name, whether it is traced at all, and the attributes every span of it carries.
 *
 * @param instrumenter the instrumenter that described the method (each keeps its own), which its calls use
 * @param method the method
 * @param spanName the span name the namer chose
 * @param traced false when the method filter excludes the method
 * @param spanAttributes the constant span attributes (system, service, method)
 * @param known false for a server method that is not a registered, generated one (its descriptor has no schema
 *     descriptor and is not marked {@code sampledToLocalTracing}, as a fallback handler registry's are):
 *     RPC metrics record it as {@code _OTHER}, the semantic conventions' cardinality guard. Always true on
 *     clients.
 * @param listenerState what the instrumenter's {@link CallListener} keeps for the method
 *     ({@link CallListener#describe}, asked once per method), handed back at each call's end; may be null
 */
public record MethodInfo(RpcInstrumenter instrumenter, RpcMethod method, String spanName, boolean traced,
    FlatAttributes spanAttributes, boolean known, Object listenerState) {

  /** The constant span attributes. */
  public Attributes attributes() {
    return spanAttributes.attributes();
  }
}
