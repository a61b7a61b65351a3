package dev.acitrace.grpc.server;

import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * Adapts a grpc-java server call onto the {@link TracedCall} lifecycle: records what the handler sends and
 * how it closes the call, and maps the server's outcomes to a status, which {@link ContextListener} ends
 * the span with exactly once (on complete, on cancel, or when the handler throws).
 */
final class TracingServerCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {

  /**
   * The call completed, yet the handler never closed it: gRPC closed it itself, which it does with
   * {@code UNKNOWN} when something outside the handler's listener threw, above all a request message that
   * could not be parsed (the handler never sees it).
   */
  static final String CLOSED_BY_GRPC =
      "closed by gRPC, not the handler: a request message could not be parsed, or a listener outside"
          + " the tracing interceptor threw";

  private static final Status CLOSED_BY_GRPC_STATUS = Status.UNKNOWN.withDescription(CLOSED_BY_GRPC);

  final TracedCall traced;
  private final String requestId;
  private final Metadata.Key<String> echoKey;
  private boolean headersSent;
  /** The status the handler closed with; null until then. */
  private volatile Status closeStatus;
  private volatile Metadata closeTrailers;

  TracingServerCall(ServerCall<ReqT, RespT> delegate, TracedCall traced, String requestId,
      Metadata.Key<String> echoKey) {
    super(delegate);
    this.traced = traced;
    this.requestId = requestId;
    this.echoKey = echoKey;
  }

  @Override
  public void sendHeaders(Metadata headers) {
    headersSent = true;
    if (echoKey != null && requestId != null) {
      headers.discardAll(echoKey); // never a second value beside one the handler set
      headers.put(echoKey, requestId);
    }
    traced.responseHeaders(headers);
    super.sendHeaders(headers);
  }

  @Override
  public void sendMessage(RespT message) {
    super.sendMessage(message);
    // A handler may go on sending after a cancel ended the span; an ended span takes no events.
    traced.messageSent();
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

  /**
   * Ends the span with the status the handler closed with (the call completed). A call that completed
   * without the handler closing it was closed by gRPC with {@code UNKNOWN}, and that is what the client got.
   */
  void complete() {
    Status status = closeStatus;
    if (status == null) {
      traced.end(CLOSED_BY_GRPC_STATUS, null);
      return;
    }
    // The call completed, so close has returned and gRPC is done with the trailers.
    traced.end(status, closeTrailers);
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
    traced.end(deadline != null && deadline.isExpired() ? Status.DEADLINE_EXCEEDED : Status.CANCELLED, null);
  }

  /**
   * Ends the span of a call whose handler threw; called on the handler's thread, so the trailers of a
   * close it made before throwing are safe to read. Never throws.
   */
  void failed(Throwable thrown) {
    try {
      traced.end(Status.UNKNOWN.withDescription(RpcInstrumenter.describe(thrown)).withCause(thrown), closeTrailers);
    } catch (RuntimeException | Error endFailure) {
      // The caller rethrows the handler's exception; a failure ending the span (a span processor) must
      // not replace it, only travel with it.
      thrown.addSuppressed(endFailure);
    }
  }
}
