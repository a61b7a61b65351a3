package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

/**
 * Sets the hooks of a {@link TracingBuilder} that only acitrace's own modules may set: the end-of-call
 * listener and per-attempt tracing. Kept off the builder so that the public builders, which inherit from it,
 * do not show them to users. Not for public use.
 */
public final class TracingHooks {

  private TracingHooks() {}

  /**
   * Sets the end-of-call listener of what {@code builder} builds, replacing the RPC metrics
   * ({@link RpcMetrics}, installed by default when the meter provider records); {@code null} for the default.
   */
  public static void callListener(TracingBuilder<?> builder, CallListener listener) {
    requireNonNull(builder, "builder").callListener = listener;
  }

  /** Sets the per-attempt tracing of what {@code builder} builds (clients only); {@code null} for none. */
  public static void attemptTracing(TracingBuilder<?> builder, AttemptTracing attemptTracing) {
    requireNonNull(builder, "builder").attemptTracing = attemptTracing;
  }
}
