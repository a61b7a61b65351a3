package dev.acitrace.bundle.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.function.Supplier;

/**
 * Not for public use. The flush, shutdown and {@code toString} of this module's span exporters, span
 * processors, metric exporters and metric readers, written once. A wrapper hands flush and shutdown to
 * what it wraps and prints as {@code Name{wrapped}}; a component that holds nothing succeeds at once and
 * prints as its name.
 *
 * <p>A subclass implements one OpenTelemetry SDK interface: these public methods are that interface's
 * {@code flush()} (span and metric exporters) or {@code forceFlush()} (span processors, metric readers),
 * and its {@code shutdown()}.
 */
public abstract class SdkLifecycle {

  private static final Supplier<CompletableResultCode> SUCCEED = CompletableResultCode::ofSuccess;

  private final Object wrapped; // null when nothing is wrapped
  private final Supplier<CompletableResultCode> flush;
  private final Supplier<CompletableResultCode> shutdown;

  /** For a component that holds nothing: flush and shutdown succeed at once. */
  protected SdkLifecycle() {
    this.wrapped = null;
    this.flush = SUCCEED;
    this.shutdown = SUCCEED;
  }

  /**
   * For a wrapper.
   *
   * @param wrapped what is wrapped, shown by {@link #toString()}
   * @param flush its flush (or forceFlush), e.g. {@code delegate::flush}
   * @param shutdown its shutdown, e.g. {@code delegate::shutdown}
   */
  protected SdkLifecycle(
      Object wrapped, Supplier<CompletableResultCode> flush, Supplier<CompletableResultCode> shutdown) {
    this.wrapped = requireNonNull(wrapped, "wrapped");
    this.flush = requireNonNull(flush, "flush");
    this.shutdown = requireNonNull(shutdown, "shutdown");
  }

  /** Flushes what is wrapped; succeeds at once when nothing is. */
  public CompletableResultCode flush() {
    return flush.get();
  }

  /** The same as {@link #flush()}, under the name span processors and metric readers use. */
  public CompletableResultCode forceFlush() {
    return flush();
  }

  /** Shuts down what is wrapped; succeeds at once when nothing is. */
  public CompletableResultCode shutdown() {
    return shutdown.get();
  }

  @Override
  public String toString() {
    String name = getClass().getSimpleName();
    return wrapped == null ? name : name + "{" + wrapped + "}";
  }
}
