package dev.acitrace.grpc.internal;

/**
 * Told of the end of every traced call, sampled or not: where RPC metrics hang (OpenTelemetry's
 * instrumentation calls the same place an {@code OperationListener}). Called once per call, right after the
 * span ended (for unsampled calls: right after the status is known), on the thread that ended it, before the
 * application hears of the end (client {@code onClose}, server {@code onComplete}/{@code onCancel}).
 *
 * <p>{@code call} is valid only during the callback: read what is needed ({@link TracedCall#method()},
 * {@link TracedCall#side()}, {@link TracedCall#code()}, {@link TracedCall#durationNanos()},
 * {@link TracedCall#requestMessages()}, {@link TracedCall#responseMessages()},
 * {@link TracedCall#requestBytes()}, {@link TracedCall#responseBytes()},
 * {@link TracedCall#parentContext()} for exemplars), keep no reference. Must be thread-safe and must not
 * throw (what it throws is logged rate-limited and swallowed). Not for public use.
 */
@FunctionalInterface
public interface CallListener {

  /** The call has ended. */
  void onCallEnd(TracedCall call);
}
