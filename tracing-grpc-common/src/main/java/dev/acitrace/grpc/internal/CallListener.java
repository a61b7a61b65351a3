package dev.acitrace.grpc.internal;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import io.grpc.Status;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;

/**
 * Told of the end of every traced call, sampled or not: where RPC metrics hang (OpenTelemetry's
 * instrumentation has an {@code OperationListener} in the same place). Called once per call, after the
 * span ended, on the thread that ended it, before the application hears of the end (client
 * {@code onClose}, server {@code onComplete}/{@code onCancel}). Everything comes as arguments, so a call
 * costs no extra object. Must be thread-safe and should not throw (what it throws is logged rate-limited
 * and swallowed). Not for public use.
 */
@FunctionalInterface
public interface CallListener {

  /**
   * The call has ended.
   *
   * @param method the called method, as described once per method (name, whether the server knows it)
   * @param side client or server
   * @param code the status code the call ended with, by the side's view (see docs/tracing-grpc.md)
   * @param durationNanos from span start to end
   * @param requestMessages request messages: sent on a client, received on a server
   * @param responseMessages response messages: received on a client, sent on a server
   * @param requestBytes uncompressed request bytes of the call, from the {@link CallSizes} given with
   *     {@link TracedCall#sizes}, or -1 when unknown (no stream tracer, or the transport reported none)
   * @param responseBytes uncompressed response bytes of the call, as {@code requestBytes}
   * @param serverAttributes client: {@code server.address} / {@code server.port} of the channel (the same
   *     instance call after call on one channel); server: empty
   * @param callContext the context the span was started in with the call's span (sampled or not), e.g. for
   *     exemplars that point at the span
   */
  void onCallEnd(MethodInfo method, RpcSide side, Status.Code code, long durationNanos, long requestMessages,
      long responseMessages, long requestBytes, long responseBytes, Attributes serverAttributes,
      Context callContext);

  /**
   * What this listener keeps for {@code method} (e.g. its instruments' attribute sets): asked once per method
   * when the instrumenter describes it, handed back with every call's end as
   * {@link MethodInfo#listenerState()}, so that a call's end looks nothing up. Null by default (and when
   * this throws).
   *
   * @param method the method
   * @param known false for a server method with no registered handler (see {@link MethodInfo#known()})
   */
  default Object describe(RpcMethod method, boolean known) {
    return null;
  }

  /**
   * Whether this listener uses {@code requestBytes} / {@code responseBytes}: asked once, when the
   * interceptor is built; only then do calls get a stream tracer measuring them (which costs an object per
   * call and a few stores per message).
   */
  default boolean wantsSizes() {
    return true;
  }
}
