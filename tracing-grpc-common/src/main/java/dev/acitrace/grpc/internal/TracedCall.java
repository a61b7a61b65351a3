package dev.acitrace.grpc.internal;

import dev.acitrace.api.MetadataView;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One traced call, client or server, from span start to its single end: the lifecycle the client call and
 * the server listener adapt grpc-java's callbacks onto. Created by {@link RpcInstrumenter#newCall}; then
 * {@link #startSpan}, (for recording spans, side attributes and) {@link #recordStart}, {@link #messageSent} /
 * {@link #messageReceived} per message, and {@link #end} once, which records the status by the side's rule,
 * ends the span and tells the {@link CallListener}. Also what enrichers and the listener see of the call,
 * so they cost no extra objects.
 *
 * <p>Callbacks of one call are serialized by gRPC; only {@link #end} may race (cancel against complete), and
 * an atomic guard lets exactly one through. Not for public use.
 */
public final class TracedCall implements RpcRequestInfo, RpcResponseInfo {

  /** The end guard: the status, set once (null until the call ended). */
  private static final AtomicReferenceFieldUpdater<TracedCall, Status> STATUS =
      AtomicReferenceFieldUpdater.newUpdater(TracedCall.class, Status.class, "status");

  /** The method, and through it the instrumenter that described it (no field of its own per call). */
  private final MethodInfo info;
  private final Context parent;
  private Span span = Span.getInvalid();
  private Context context;
  private Metadata requestHeaders;
  /**
   * {@link System#nanoTime()} at start, taken only when the span records or a listener listens; replaced by
   * the duration at the end (one field for both: a call object is allocated per call).
   */
  private long nanos;
  private long sent;
  private long received;
  private Attributes serverAttributes = Attributes.empty();
  /** The stream tracer's byte counts, or null (no tracer: sizes unknown). */
  private CallSizes sizes;
  /**
   * Null until the call ended; set once, by the end that wins (the guard: no separate flag per call). One
   * gRPC {@link Status} holds the code, description and cause the end records, in one field for all three.
   */
  private volatile Status status;
  private Metadata trailers;

  TracedCall(MethodInfo info, Context parent) {
    this.info = info;
    this.parent = parent;
    this.context = parent;
  }

  /**
   * Starts the span in the parent context and returns it; for recording spans sets the method's constant
   * attributes. With sampling attributes on, those and {@code samplerAttributes} (may be null) go to the
   * span builder instead, where samplers see them.
   *
   * @param requestHeaders the request headers (client: the ones to inject into)
   * @param link a span context to link to, or null
   */
  public Span startSpan(Metadata requestHeaders, SpanContext link, FlatAttributes samplerAttributes) {
    this.requestHeaders = requestHeaders;
    SpanBuilder builder = info.instrumenter().tracer.spanBuilder(info.spanName())
        .setParent(parent)
        .setSpanKind(info.instrumenter().spanKind);
    if (link != null && link.isValid()) {
      builder.addLink(link);
    }
    boolean forSampler = info.instrumenter().samplingAttributes();
    if (forSampler) {
      builder.setAllAttributes(info.attributes());
      if (samplerAttributes != null) {
        builder.setAllAttributes(samplerAttributes.attributes());
      }
    }
    Span started = builder.startSpan();
    begin(started);
    if (!forSampler && started.isRecording()) {
      info.spanAttributes().setOn(started);
    }
    return started;
  }

  /**
   * Takes {@code started} as the call's span: what {@link #startSpan} does after starting it; public for
   * tests that need a span of their own making.
   */
  public void begin(Span started) {
    span = started;
    context = parent.with(started);
    if (started.isRecording() || info.instrumenter().callListener != null) {
      nanos = System.nanoTime();
    }
  }

  /** Captures request metadata and runs the enrichers' {@code onStart}; call only for recording spans. */
  public void recordStart() {
    MetadataCapture capture = info.instrumenter().requestCapture;
    if (!capture.isEmpty() && requestHeaders != null) {
      capture.capture(requestHeaders, span);
    }
    info.instrumenter().enrichStart(this, span);
  }

  /** Captures allowlisted response headers on a recording span. */
  public void responseHeaders(Metadata headers) {
    MetadataCapture capture = info.instrumenter().responseCapture;
    if (!capture.isEmpty() && span.isRecording()) {
      capture.capture(headers, span);
    }
  }

  /** Counts a message sent; adds its event when enabled, the span records and has not ended. */
  public void messageSent() {
    long id = ++sent;
    if (info.instrumenter().messageEvents && status == null) {
      info.instrumenter().messageEvent(span, true, id);
    }
  }

  /** Counts a message received; adds its event when enabled, the span records and has not ended. */
  public void messageReceived() {
    long id = ++received;
    if (info.instrumenter().messageEvents && status == null) {
      info.instrumenter().messageEvent(span, false, id);
    }
  }

  /**
   * Where the {@link CallListener} reads the call's message bytes at the end (a stream tracer's counts);
   * set before the call starts. Without it the listener is told -1 (unknown).
   */
  public void sizes(CallSizes tracerSizes) {
    sizes = tracerSizes;
  }

  /** Client: the channel's {@code server.address} / {@code server.port}, for the {@link CallListener}. */
  public void serverAttributes(Attributes attributes) {
    serverAttributes = attributes;
  }

  /**
   * Ends the call once: records {@code status} by the side's rule (attribute work only for recording
   * spans), ends the span, then tells the {@link CallListener}. Later calls do nothing and return false.
   * Only {@link Span#end()} (a span processor) can throw out of here, after the listener was told.
   *
   * @param endStatus the status: its code, its description and its cause (the exception to record); null
   *     reads as {@code UNKNOWN}
   * @param endTrailers the response trailers (capture, enrichers), or null when there are none
   */
  public boolean end(Status endStatus, Metadata endTrailers) {
    if (!STATUS.compareAndSet(this, null, endStatus != null ? endStatus : Status.UNKNOWN)) {
      return false;
    }
    trailers = endTrailers;
    CallListener listener = info.instrumenter().callListener;
    if (nanos != 0) {
      nanos = System.nanoTime() - nanos;
    }
    try {
      info.instrumenter().finish(this, span);
    } finally {
      if (listener != null) {
        info.instrumenter().notifyListener(this);
      }
    }
    return true;
  }

  /** The call's method, span name and constant attributes (for spans the hooks start, e.g. attempt spans). */
  public MethodInfo info() {
    return info;
  }

  /** The call's span (invalid before {@link #startSpan}). */
  public Span span() {
    return span;
  }

  /** The parent context with the call's span: current while the call runs on its own behalf. */
  public Context context() {
    return context;
  }

  /** Tells {@code listener} how the call ended. */
  void notify(CallListener listener) {
    boolean client = side() == RpcSide.CLIENT;
    CallSizes bytes = sizes;
    listener.onCallEnd(info, side(), status.getCode(), nanos, client ? sent : received, client ? received : sent,
        bytes == null ? -1 : bytes.requestBytes(), bytes == null ? -1 : bytes.responseBytes(),
        serverAttributes, context);
  }

  /** The duration in nanoseconds, once ended; 0 when neither the span recorded nor a listener listened. */
  long durationNanos() {
    return nanos;
  }

  /** The status code the call ended with; {@code UNKNOWN} before it ended. */
  Status.Code code() {
    Status ended = status;
    return ended == null ? Status.Code.UNKNOWN : ended.getCode();
  }

  /** The trailers the call ended with, or null. */
  Metadata trailersOrNull() {
    return trailers;
  }

  // RpcRequestInfo

  @Override
  public RpcMethod method() {
    return info.method();
  }

  @Override
  public RpcSide side() {
    return info.instrumenter().side;
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
    return code().value();
  }

  @Override
  public String statusName() {
    return code().name();
  }

  @Override
  public String statusDescription() {
    Status ended = status;
    return ended == null ? null : ended.getDescription();
  }

  @Override
  public Throwable error() {
    Status ended = status;
    return ended == null ? null : ended.getCause();
  }

  @Override
  public MetadataView trailers() {
    return GrpcMetadata.view(trailers);
  }
}
