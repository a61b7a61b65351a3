package dev.acitrace.grpc.client;

import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.Attributes;
import io.grpc.Channel;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Attempt spans of one traced call: grpc-java asks this factory for a {@link ClientStreamTracer} per
 * attempt (the first, each retry, each hedge, each transparent retry), and each tracer starts a
 * {@code CLIENT} span, child of the call's span, injects its context into that attempt's headers (so the
 * server span is the attempt's child) and ends it with the attempt's status. The call's span gets the
 * name-resolution and load-balancer delays gRPC reports, as events.
 *
 * <p>Plugged into the client's lifecycle core as its {@code AttemptTracing} hook, only when attempt spans are
 * on: the interceptor adds a factory per call to the call's {@code CallOptions}, hands it the channel (for
 * {@code server.address}) and then leaves injection to the attempts. gRPC creates the tracers after
 * {@code ClientCall.start}, so the call's span is known by then. Hedged attempts run concurrently: each
 * tracer owns its span, and the call span only gets events, which spans accept from any thread.
 */
final class AttemptTracerFactory extends ClientStreamTracer.Factory {

  /** gRFC A72's attribute: how many attempts this call made before this one. */
  static final AttributeKey<Long> PREVIOUS_RPC_ATTEMPTS = AttributeKey.longKey("previous-rpc-attempts");
  /** gRFC A72's attribute: whether gRPC retried transparently (the previous attempt never reached the server). */
  static final AttributeKey<Boolean> TRANSPARENT_RETRY = AttributeKey.booleanKey("transparent-retry");
  /** gRFC A72's event on the call span: the call waited for the name resolver. */
  static final String NAME_RESOLUTION_DELAYED = "Delayed name resolution complete";
  /** gRFC A72's event: an attempt waited for the load balancer to pick a subchannel. */
  static final String LB_PICK_DELAYED = "Delayed LB pick complete";

  private static final Logger logger = Logger.getLogger(AttemptTracerFactory.class.getName());
  private static final AtomicIntegerFieldUpdater<AttemptTracerFactory> RESOLUTION_REPORTED =
      AtomicIntegerFieldUpdater.newUpdater(AttemptTracerFactory.class, "resolutionReported");
  private static final ClientStreamTracer NOOP = new ClientStreamTracer() {};

  private final TracedCall call;
  // set by the interceptor before the call is created; volatile because hedges start on gRPC's timer thread
  private volatile TracingClientInterceptor interceptor;
  private volatile Channel channel;
  private volatile int resolutionReported;

  /** The factory of one call's attempts (the {@code AttemptTracing} hook). */
  AttemptTracerFactory(TracedCall call) {
    this.call = call;
  }

  /** Where the call goes, for {@code server.address}/{@code server.port}; set before the call starts. */
  void serverAttributesOf(TracingClientInterceptor interceptor, Channel channel) {
    this.interceptor = interceptor;
    this.channel = channel;
  }

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo streamInfo, Metadata headers) {
    TracingClientInterceptor tracing = interceptor;
    if (tracing == null) {
      // not bound to a channel by the interceptor: not one of our calls' factories
      return NOOP;
    }
    // gRPC makes streams only after ClientCall.start, so the call's span has started. It may be invalid
    // (a no-op OpenTelemetry): the attempt still injects, so baggage travels as it does without attempts.
    Span callSpan = call.span();
    try {
      RpcInstrumenter instrumenter = tracing.instrumenter;
      Context callContext = call.context();
      if (streamInfo.getCallOptions().getOption(ClientStreamTracer.NAME_RESOLUTION_DELAYED) != null
          && RESOLUTION_REPORTED.compareAndSet(this, 0, 1) && callSpan.isRecording()) {
        callSpan.addEvent(NAME_RESOLUTION_DELAYED);
      }
      Span attempt = instrumenter.tracer().spanBuilder(call.info().spanName())
          .setParent(callContext)
          .setSpanKind(SpanKind.CLIENT)
          .startSpan();
      long previous = streamInfo.getPreviousAttempts();
      if (attempt.isRecording()) {
        call.info().spanAttributes().setOn(attempt);
        tracing.serverAttributes(channel).setOn(attempt);
        attempt.setAttribute(PREVIOUS_RPC_ATTEMPTS, previous);
        attempt.setAttribute(TRANSPARENT_RETRY, streamInfo.isTransparentRetry());
      }
      return new AttemptTracer(instrumenter, callContext, callSpan, attempt, previous);
    } catch (RuntimeException e) {
      // tracing must never cost the call: the attempt goes untraced
      logger.log(Level.FINE, "starting an attempt span failed", e);
      return NOOP;
    }
  }

  /** One attempt: its span, injected into its headers, ended with its status. */
  static final class AttemptTracer extends ClientStreamTracer {

    private static final AtomicIntegerFieldUpdater<AttemptTracer> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(AttemptTracer.class, "ended");

    private final RpcInstrumenter instrumenter;
    private final Context callContext;
    private final Span callSpan;
    final Span span;
    private final long previousAttempts;
    /** Set by gRPC (before {@code streamCreated}) when the attempt waits for a load-balancer pick. */
    private volatile boolean pending;
    private volatile int ended;

    AttemptTracer(RpcInstrumenter instrumenter, Context callContext, Span callSpan, Span span,
        long previousAttempts) {
      this.instrumenter = instrumenter;
      this.callContext = callContext;
      this.callSpan = callSpan;
      this.span = span;
      this.previousAttempts = previousAttempts;
    }

    @Override
    public void createPendingStream() {
      pending = true;
    }

    @Override
    public void streamCreated(Attributes transportAttributes, Metadata headers) {
      // These are the headers this attempt sends (gRPC copies the call's headers per retry and hedge).
      instrumenter.inject(callContext.with(span), headers);
      if (pending && callSpan.isRecording()) {
        callSpan.addEvent(LB_PICK_DELAYED,
            io.opentelemetry.api.common.Attributes.of(PREVIOUS_RPC_ATTEMPTS, previousAttempts));
      }
    }

    @Override
    public void streamClosed(Status status) {
      if (!ENDED.compareAndSet(this, 0, 1)) {
        return;
      }
      try {
        if (span.isRecording()) {
          instrumenter.recordStatus(span, status.getCode(), status.getDescription());
        }
      } catch (RuntimeException e) {
        logger.log(Level.FINE, "recording an attempt's status failed", e);
      } finally {
        try {
          span.end();
        } catch (RuntimeException e) {
          // a span processor's failure must not reach gRPC's transport thread
          logger.log(Level.FINE, "ending an attempt span failed", e);
        }
      }
    }
  }
}
