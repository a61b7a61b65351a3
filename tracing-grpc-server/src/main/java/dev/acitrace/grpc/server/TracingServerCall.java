package dev.acitrace.grpc.server;

import dev.acitrace.api.MetadataView;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import dev.acitrace.grpc.GrpcMetadata;
import dev.acitrace.grpc.internal.MethodInfo;
import dev.acitrace.grpc.internal.TracingSettings;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A traced server call: records what the handler sends, and holds the span, which
 * {@link TracingServerListener} ends exactly once (on complete, on cancel, or when the handler throws).
 * It is also what enrichers see of the request and response, so they cost no extra objects.
 */
final class TracingServerCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT>
    implements RpcRequestInfo, RpcResponseInfo {

  private static final AtomicIntegerFieldUpdater<TracingServerCall<?, ?>> ENDED = endedUpdater();

  private final TracingSettings settings;
  private final MethodInfo info;
  private final Context parent;
  final Span span;
  private final Metadata requestHeaders;
  private final String requestId;
  private final Metadata.Key<String> echoKey;
  long startNanos;
  private volatile int ended;
  private boolean headersSent;
  private long sent;
  private long received;
  /** The status the handler closed with; null until then. */
  private volatile Status closeStatus;
  private volatile Metadata closeTrailers;
  /** The trailers the span was ended with (what enrichers see); null when cancelled. */
  private Metadata endTrailers;
  private Status.Code endCode;
  private String endDescription;
  private Throwable error;

  TracingServerCall(ServerCall<ReqT, RespT> delegate, TracingSettings settings, MethodInfo info, Context parent,
      Span span, Metadata requestHeaders, String requestId, Metadata.Key<String> echoKey) {
    super(delegate);
    this.settings = settings;
    this.info = info;
    this.parent = parent;
    this.span = span;
    this.requestHeaders = requestHeaders;
    this.requestId = requestId;
    this.echoKey = echoKey;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static AtomicIntegerFieldUpdater<TracingServerCall<?, ?>> endedUpdater() {
    return (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(TracingServerCall.class, "ended");
  }

  @Override
  public void sendHeaders(Metadata headers) {
    headersSent = true;
    if (echoKey != null && requestId != null) {
      headers.discardAll(echoKey); // never a second value beside one the handler set
      headers.put(echoKey, requestId);
    }
    if (!settings.responseCapture().isEmpty() && span.isRecording()) {
      settings.responseCapture().capture(headers, span);
    }
    super.sendHeaders(headers);
  }

  @Override
  public void sendMessage(RespT message) {
    super.sendMessage(message);
    // A handler may go on sending after a cancel ended the span; an ended span takes no events.
    if (settings.messageEvents() && ended == 0) {
      settings.messageEvent(span, true, ++sent);
    }
  }

  /** Adds a message event for a received message when they are enabled. */
  void messageReceived() {
    if (settings.messageEvents()) {
      settings.messageEvent(span, false, ++received);
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (echoKey != null && requestId != null && !headersSent) {
      trailers.discardAll(echoKey);
      trailers.put(echoKey, requestId);
    }
    // Only the first close counts: a second one throws ("call already closed") and must not replace the
    // status the client got. Set before super.close: with an in-process transport and a direct executor
    // onComplete runs inside it. Handler calls are serialized, so check-then-set is not racy.
    if (closeStatus == null) {
      closeStatus = status;
      closeTrailers = trailers;
    }
    super.close(status, trailers);
  }

  /** Ends the span with the status the handler closed with (the call completed). */
  void complete() {
    Status status = closeStatus;
    // The call completed, so close has returned and gRPC is done with the trailers.
    end(status != null ? status : Status.OK, null, closeTrailers);
  }

  /**
   * Ends the span of a call the transport cancelled. gRPC reports onCancel only when the call did not
   * complete, whatever the handler may have closed it with meanwhile (a response written after the
   * deadline never reaches the caller), so the outcome is CANCELLED, or DEADLINE_EXCEEDED when the call's
   * deadline has passed. A client that cancels just before its deadline reads as CANCELLED.
   */
  void cancelled(io.grpc.Context grpcContext) {
    io.grpc.Deadline deadline = grpcContext.getDeadline();
    // No trailers: the caller never got them, and the handler's thread may still be inside super.close,
    // where gRPC edits that Metadata in place.
    end(deadline != null && deadline.isExpired() ? Status.DEADLINE_EXCEEDED : Status.CANCELLED, null, null);
  }

  /**
   * Ends the span of a call whose handler threw; called on the handler's thread, so the trailers of a
   * close it made before throwing are safe to read. Never throws.
   */
  void failed(Throwable thrown) {
    try {
      end(Status.UNKNOWN, thrown, closeTrailers);
    } catch (RuntimeException | Error endFailure) {
      // The caller rethrows the handler's exception; a failure ending the span (a span processor) must
      // not replace it, only travel with it.
      thrown.addSuppressed(endFailure);
    }
  }

  /** Ends the span once; later calls do nothing. */
  private void end(Status status, Throwable thrown, Metadata trailers) {
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    endCode = status.getCode();
    endDescription = thrown != null && status.getDescription() == null
        ? TracingSettings.describe(thrown) : status.getDescription();
    error = thrown != null ? thrown : status.getCause();
    endTrailers = trailers;
    settings.finish(span, startNanos, endCode, endDescription, error, trailers, this, this);
  }

  // RpcRequestInfo

  @Override
  public RpcMethod method() {
    return info.method();
  }

  @Override
  public RpcSide side() {
    return RpcSide.SERVER;
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
    return endCode == null ? Status.Code.UNKNOWN.value() : endCode.value();
  }

  @Override
  public String statusName() {
    return endCode == null ? Status.Code.UNKNOWN.name() : endCode.name();
  }

  @Override
  public String statusDescription() {
    return endDescription;
  }

  @Override
  public Throwable error() {
    return error;
  }

  @Override
  public MetadataView trailers() {
    return GrpcMetadata.view(endTrailers);
  }
}
