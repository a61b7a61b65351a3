package dev.acitrace.grpc.client;

import dev.acitrace.api.MetadataView;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import dev.acitrace.grpc.GrpcMetadata;
import dev.acitrace.grpc.internal.MethodInfo;
import dev.acitrace.grpc.internal.TracingSettings;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A traced client call. The span starts in {@link #start} (a call cancelled before it starts never
 * reaches the server and gets no span) and ends exactly once, in the listener's {@code onClose}, or
 * when {@code start} itself throws.
 */
final class TracingClientCall<ReqT, RespT> extends ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT> {

  private final TracingSettings settings;
  private final MethodInfo info;
  private final Context parent;
  private final TracingClientInterceptor interceptor;
  private final Channel channel;
  /** The attempt-span factory on this call's options, or null when attempt spans are off. */
  private final AttemptTracerFactory attempts;
  /** Messages sent; ClientCall methods are not called concurrently, so a plain field is enough. */
  private long sent;
  private Listener<RespT> listener;

  TracingClientCall(ClientCall<ReqT, RespT> delegate, TracingSettings settings, MethodInfo info,
      Context parent, TracingClientInterceptor interceptor, Channel channel, AttemptTracerFactory attempts) {
    super(delegate);
    this.attempts = attempts;
    this.settings = settings;
    this.info = info;
    this.parent = parent;
    this.interceptor = interceptor;
    this.channel = channel;
  }

  @Override
  public void start(ClientCall.Listener<RespT> responseListener, Metadata headers) {
    SpanBuilder spanBuilder = settings.tracer().spanBuilder(info.spanName())
        .setParent(parent)
        .setSpanKind(SpanKind.CLIENT);
    boolean forSampler = settings.samplingAttributes();
    if (forSampler) {
      spanBuilder.setAllAttributes(info.attributes());
      spanBuilder.setAllAttributes(interceptor.serverAttributes(channel).attributes());
    }
    Span span = spanBuilder.startSpan();
    if (attempts == null) {
      settings.inject(parent.with(span), headers);
    } else {
      // each attempt injects its own span into its own copy of the headers
      attempts.callStarted(parent.with(span));
    }
    Listener<RespT> tracingListener = new Listener<>(responseListener, settings, info, parent, span, headers);
    listener = tracingListener;
    if (span.isRecording()) {
      tracingListener.startNanos = System.nanoTime();
      if (!forSampler) {
        info.spanAttributes().setOn(span);
        interceptor.serverAttributes(channel).setOn(span);
      }
      if (!settings.requestCapture().isEmpty()) {
        settings.requestCapture().capture(headers, span);
      }
      settings.enrichStart(tracingListener, span);
    }
    try {
      super.start(tracingListener, headers);
    } catch (RuntimeException | Error e) {
      try {
        tracingListener.end(Status.fromThrowable(e), e, null);
      } catch (RuntimeException | Error endFailure) {
        e.addSuppressed(endFailure); // the caller must see why start failed, not why the span did
      }
      throw e;
    }
  }

  @Override
  public void sendMessage(ReqT message) {
    super.sendMessage(message);
    Listener<RespT> l = listener;
    if (l != null && settings.messageEvents()) {
      settings.messageEvent(l.span, true, ++sent);
    }
  }

  /** Listens for the response; also what enrichers see of the request and response. */
  static final class Listener<RespT>
      extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT>
      implements RpcRequestInfo, RpcResponseInfo {

    private static final AtomicIntegerFieldUpdater<Listener<?>> ENDED = endedUpdater();

    private final TracingSettings settings;
    private final MethodInfo info;
    private final Context parent;
    final Span span;
    private final Metadata requestHeaders;
    long startNanos;
    private volatile int ended;
    private long received;
    private Status status;
    private Throwable error;
    private Metadata trailers;

    Listener(ClientCall.Listener<RespT> delegate, TracingSettings settings, MethodInfo info, Context parent,
        Span span, Metadata requestHeaders) {
      super(delegate);
      this.settings = settings;
      this.info = info;
      this.parent = parent;
      this.span = span;
      this.requestHeaders = requestHeaders;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static AtomicIntegerFieldUpdater<Listener<?>> endedUpdater() {
      return (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(Listener.class, "ended");
    }

    // Every callback runs with the call's parent context current (not the client span: the call is over
    // as far as the callback is concerned), so a call made from a callback continues the caller's trace.
    // When the parent is already current (a direct executor on the caller's thread) makeCurrent allocates
    // nothing.

    @Override
    public void onHeaders(Metadata headers) {
      if (!settings.responseCapture().isEmpty() && span.isRecording()) {
        settings.responseCapture().capture(headers, span);
      }
      try (Scope ignored = parent.makeCurrent()) {
        super.onHeaders(headers);
      }
    }

    @Override
    public void onMessage(RespT message) {
      if (settings.messageEvents()) {
        settings.messageEvent(span, false, ++received);
      }
      try (Scope ignored = parent.makeCurrent()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try (Scope ignored = parent.makeCurrent()) {
        try {
          // End before handing over: the caller may act on the result at once and expects the span done.
          end(status, status.getCause(), trailers);
        } finally {
          // Whatever ending the span throws, the application hears how its call ended.
          super.onClose(status, trailers);
        }
      }
    }

    @Override
    public void onReady() {
      try (Scope ignored = parent.makeCurrent()) {
        super.onReady();
      }
    }

    void end(Status status, Throwable error, Metadata trailers) {
      if (!ENDED.compareAndSet(this, 0, 1)) {
        return;
      }
      this.status = status;
      this.error = error;
      this.trailers = trailers;
      settings.finish(span, startNanos, status.getCode(), status.getDescription(), error, trailers, this, this);
    }

    // RpcRequestInfo

    @Override
    public RpcMethod method() {
      return info.method();
    }

    @Override
    public RpcSide side() {
      return RpcSide.CLIENT;
    }

    @Override
    public Context parentContext() {
      return parent;
    }

    @Override
    public MetadataView requestMetadata() {
      return GrpcMetadata.view(requestHeaders);
    }

    // RpcResponseInfo

    @Override
    public int statusCode() {
      return status == null ? Status.Code.UNKNOWN.value() : status.getCode().value();
    }

    @Override
    public String statusName() {
      return status == null ? Status.Code.UNKNOWN.name() : status.getCode().name();
    }

    @Override
    public String statusDescription() {
      return status == null ? null : status.getDescription();
    }

    @Override
    public Throwable error() {
      return error;
    }

    @Override
    public MetadataView trailers() {
      return GrpcMetadata.view(trailers);
    }
  }
}
