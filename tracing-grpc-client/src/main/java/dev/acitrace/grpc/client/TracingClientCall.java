package dev.acitrace.grpc.client;

import dev.acitrace.grpc.internal.FlatAttributes;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Adapts a grpc-java client call onto the {@link TracedCall} lifecycle. The span starts in {@link #start}
 * (a call cancelled before it starts never reaches the server and gets no span) and ends exactly once, in
 * the listener's {@code onClose}, or when {@code start} itself throws.
 *
 * <p>{@code start} and {@code sendMessage} run with the client span's context current, so interceptors
 * further down the chain and the transport see the call's span (as with OpenTelemetry's interceptor); the
 * application's listener callbacks run with the caller's (parent) context current.
 */
final class TracingClientCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {

  private final TracedCall traced;
  private final TracingClientInterceptor interceptor;
  private final Channel channel;
  /** Attempt spans are on: each attempt injects its own span into its own headers, the call nothing. */
  private final boolean injectPerAttempt;

  TracingClientCall(ClientCall<ReqT, RespT> delegate, TracedCall traced, TracingClientInterceptor interceptor,
      Channel channel, boolean injectPerAttempt) {
    super(delegate);
    this.injectPerAttempt = injectPerAttempt;
    this.traced = traced;
    this.interceptor = interceptor;
    this.channel = channel;
  }

  @Override
  public void start(ClientCall.Listener<RespT> responseListener, Metadata headers) {
    RpcInstrumenter instrumenter = interceptor.instrumenter;
    FlatAttributes server = instrumenter.samplingAttributes() ? interceptor.serverAttributes(channel) : null;
    Span span = traced.startSpan(headers, null, server);
    Context context = traced.context();
    if (!injectPerAttempt) {
      instrumenter.inject(context, headers);
    }
    if (span.isRecording()) {
      if (server == null) {
        server = interceptor.serverAttributes(channel);
        server.setOn(span);
      }
      traced.recordStart();
    }
    if (instrumenter.listening()) { // RPC metrics carry the server for every call, sampled or not
      traced.serverAttributes((server != null ? server : interceptor.serverAttributes(channel)).attributes());
    }
    try (Scope ignored = context.makeCurrent()) {
      super.start(new Listener<>(responseListener, traced), headers);
    } catch (RuntimeException | Error e) {
      try {
        Status status = Status.fromThrowable(e);
        traced.end(status.getCause() == e ? status : status.withCause(e), null);
      } catch (RuntimeException | Error endFailure) {
        e.addSuppressed(endFailure); // the caller must see why start failed, not why the span did
      }
      throw e;
    }
  }

  @Override
  public void sendMessage(ReqT message) {
    try (Scope ignored = traced.context().makeCurrent()) {
      super.sendMessage(message);
    }
    traced.messageSent();
  }

  /**
   * Hears the response. Every callback runs with the call's parent context current (not the client span:
   * the call is over as far as the callback is concerned), so a call made from a callback continues the
   * caller's trace. When the parent is already current (a direct executor on the caller's thread)
   * makeCurrent allocates nothing.
   */
  static final class Listener<RespT> extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {

    private final TracedCall traced;

    Listener(ClientCall.Listener<RespT> delegate, TracedCall traced) {
      super(delegate);
      this.traced = traced;
    }

    @Override
    public void onHeaders(Metadata headers) {
      traced.responseHeaders(headers);
      try (Scope ignored = traced.parentContext().makeCurrent()) {
        super.onHeaders(headers);
      }
    }

    @Override
    public void onMessage(RespT message) {
      traced.messageReceived();
      try (Scope ignored = traced.parentContext().makeCurrent()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try (Scope ignored = traced.parentContext().makeCurrent()) {
        try {
          // End before handing over: the caller may act on the result at once and expects the span done.
          traced.end(status, trailers);
        } finally {
          // Whatever ending the span throws, the application hears how its call ended.
          super.onClose(status, trailers);
        }
      }
    }

    @Override
    public void onReady() {
      try (Scope ignored = traced.parentContext().makeCurrent()) {
        super.onReady();
      }
    }
  }
}
