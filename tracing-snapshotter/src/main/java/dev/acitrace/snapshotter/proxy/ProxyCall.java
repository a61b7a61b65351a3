package dev.acitrace.snapshotter.proxy;

import dev.acitrace.baggage.BaggageKeys;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One call forwarded: the caller's {@link ServerCall} on one side, a {@link ClientCall} to the upstream on
 * the other, and the {@code snapshotter.<Op>} span between them.
 *
 * <p>The upstream call starts when the caller's request arrives (the span wants the key, which is in the
 * request), inside the span's context, so the tracing client interceptor on the upstream channel makes its
 * CLIENT span a child of it and injects that context and the baggage. It is created in the server call's
 * {@code io.grpc.Context}, so the caller's deadline reaches the upstream (as the time left) and a
 * cancelled caller cancels the upstream call.
 *
 * <p>Flow control: the next answer is asked of the upstream only when the caller can take one
 * ({@link ServerCall#isReady()}), otherwise when the caller becomes ready again; so a long {@code List}
 * streams through one message at a time and the proxy never holds more than one page. Requests are
 * forwarded as they come (every {@code Snapshots} RPC has a single request).
 *
 * <p>Both listeners run on gRPC's serializing executors, one per side; everything that touches the two
 * calls holds this object's lock, since neither call may be used from two threads at once.
 */
final class ProxyCall extends ServerCall.Listener<byte[]> {

  private static final Logger logger = Logger.getLogger(ProxyCall.class.getName());
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final ProxyHandler handler;
  private final ServerCall<byte[], byte[]> serverCall;
  private final Metadata requestHeaders;
  private final Operation.Tally tally = new Operation.Tally();
  private ClientCall<byte[], byte[]> clientCall;
  private Span span;
  /** The upstream has an answer for us that we have not asked for yet, because the caller was not ready. */
  private boolean answerOwed;
  private boolean callerGone;

  ProxyCall(ProxyHandler handler, ServerCall<byte[], byte[]> serverCall, Metadata requestHeaders) {
    this.handler = handler;
    this.serverCall = serverCall;
    this.requestHeaders = requestHeaders;
  }

  // ------------------------------------------------------------------------------ caller -> upstream

  @Override
  public void onMessage(byte[] request) {
    synchronized (this) {
      if (clientCall == null) {
        startUpstream(request);
      }
      clientCall.sendMessage(request);
      serverCall.request(1);
    }
  }

  @Override
  public void onHalfClose() {
    synchronized (this) {
      if (clientCall == null) {
        startUpstream(null); // no request at all: the upstream says what that means
      }
      clientCall.halfClose();
    }
  }

  @Override
  public void onCancel() {
    synchronized (this) {
      callerGone = true;
      if (clientCall != null) {
        clientCall.cancel("the caller cancelled the call", null);
      }
    }
  }

  @Override
  public void onReady() {
    synchronized (this) {
      if (answerOwed && clientCall != null) {
        answerOwed = false;
        clientCall.request(1);
      }
    }
  }

  private void startUpstream(byte[] request) {
    Operation operation = handler.operation;
    Context parent = Context.current();
    SpanBuilder builder = handler.tracer.spanBuilder(handler.spanName)
        .setParent(parent)
        .setSpanKind(SpanKind.INTERNAL);
    String key = null;
    if (operation != null && request != null) {
      try {
        key = operation.describeRequest(request, builder);
      } catch (IOException | RuntimeException e) {
        // forwarded all the same: whether it is a valid request is the upstream's call to make
        logger.log(Level.FINE, "cannot read a {0} request for its span", handler.spanName);
      }
    }
    span = builder.startSpan();
    Context context = parent.with(span);
    if (key != null && !key.isEmpty()) {
      // as TracingSnapshotter does: the upstream (and anything it calls) sees which snapshot the work is for
      context = context.with(Baggage.fromContext(context).toBuilder().put(BaggageKeys.SNAPSHOT_KEY, key).build());
    }
    try (Scope ignored = context.makeCurrent()) {
      clientCall = handler.upstream.newCall(handler.method, CallOptions.DEFAULT);
      clientCall.start(new Upstream(), handler.headers.forUpstream(requestHeaders));
    }
    clientCall.request(1);
  }

  // ------------------------------------------------------------------------------ upstream -> caller

  private final class Upstream extends ClientCall.Listener<byte[]> {

    @Override
    public void onHeaders(Metadata headers) {
      synchronized (ProxyCall.this) {
        if (!callerGone) {
          serverCall.sendHeaders(handler.headers.forCaller(headers));
        }
      }
    }

    @Override
    public void onMessage(byte[] answer) {
      if (span.isRecording() && handler.operation != null) {
        try {
          handler.operation.describeResponse(answer, span, tally);
        } catch (IOException | RuntimeException e) {
          logger.log(Level.FINE, "cannot read a {0} answer for its span", handler.spanName);
        }
      }
      synchronized (ProxyCall.this) {
        if (callerGone) {
          return;
        }
        serverCall.sendMessage(answer);
        if (serverCall.isReady()) {
          clientCall.request(1);
        } else {
          answerOwed = true; // asked for in onReady
        }
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      end(status);
      Status forwarded = handler.headers.describeLocalFailure(status);
      synchronized (ProxyCall.this) {
        if (!callerGone) {
          serverCall.close(forwarded, handler.headers.forCaller(trailers));
        }
      }
    }
  }

  private void end(Status status) {
    if (span.isRecording()) {
      if (handler.operation != null) {
        handler.operation.finish(span, tally);
      }
      if (!status.isOk()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(status.getDescription()));
        span.setAttribute(ERROR_TYPE, status.getCode().name());
      }
    }
    span.end();
  }
}
