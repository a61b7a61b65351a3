package dev.acitrace.grpc.server;

import dev.acitrace.baggage.BaggageKeys;
import dev.acitrace.grpc.internal.MethodInfo;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;

/** Starts a SERVER span per call on the {@link TracedCall} lifecycle; see {@link TracingServerCall}. */
final class TracingServerInterceptor implements ServerInterceptor {

  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey(BaggageKeys.REQUEST_ID);

  private final RpcInstrumenter instrumenter;
  private final RequestIdServerInterceptor requestIds;
  /** Baggage keys kept from untrusted callers, or null when this is not a public endpoint. */
  private final Set<String> publicBaggage;

  TracingServerInterceptor(RpcInstrumenter instrumenter, RequestIdServerInterceptor requestIds,
      Set<String> publicBaggage) {
    this.instrumenter = instrumenter;
    this.requestIds = requestIds;
    this.publicBaggage = publicBaggage;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    MethodInfo info = instrumenter.method(call.getMethodDescriptor());
    if (!info.traced()) {
      return next.startCall(call, headers);
    }
    // A malformed header yields the root context: a new trace, never a failed call.
    Context parent = instrumenter.extractForServer(headers);
    SpanContext link = null;
    if (publicBaggage != null) {
      link = Span.fromContext(parent).getSpanContext();
      parent = keepOnly(RpcInstrumenter.serverBase(), Baggage.fromContext(parent), publicBaggage);
    }
    String requestId = null;
    if (requestIds != null) {
      Baggage baggage = Baggage.fromContext(parent);
      String incoming = baggage.getEntryValue(BaggageKeys.REQUEST_ID);
      requestId = requestIds.resolve(incoming);
      if (requestId != incoming) { // identity: resolve returns the incoming id itself when it is kept
        parent = parent.with(requestIds.withRequestId(baggage, requestId));
      }
    }
    TracedCall traced = instrumenter.newCall(info, parent);
    if (instrumenter.measuresSizes()) {
      ServerSizes.link(traced); // the stream tracer GrpcServerTracing.applyTo added, if it did
    }
    Span span = traced.startSpan(headers, link, null);
    if (span.isRecording()) {
      setPeer(span, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      if (requestId != null) {
        span.setAttribute(REQUEST_ID, requestId);
      }
      traced.recordStart();
    }
    TracingServerCall<ReqT, RespT> tracingCall = new TracingServerCall<>(
        call, traced, requestId, requestIds == null ? null : requestIds.echoKey());
    return ContextListener.start(next, tracingCall, headers, traced.context(), tracingCall);
  }

  private static Context keepOnly(Context base, Baggage incoming, Set<String> kept) {
    if (incoming.isEmpty() || kept.isEmpty()) {
      return base;
    }
    BaggageBuilder builder = Baggage.builder();
    incoming.forEach((key, entry) -> {
      if (kept.contains(key)) {
        builder.put(key, entry.getValue(), entry.getMetadata());
      }
    });
    return base.with(builder.build());
  }

  private static void setPeer(Span span, SocketAddress remote) {
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) remote;
      InetAddress address = inet.getAddress();
      span.setAttribute(RpcSemconv.NETWORK_PEER_ADDRESS,
          address != null ? address.getHostAddress() : inet.getHostString());
      span.setAttribute(RpcSemconv.NETWORK_PEER_PORT, inet.getPort());
    }
  }
}
