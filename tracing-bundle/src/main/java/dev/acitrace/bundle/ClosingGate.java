package dev.acitrace.bundle;

import io.opentelemetry.context.Context;
import dev.acitrace.bundle.internal.SdkLifecycle;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In front of the batch processor: once the handle is closing, sampled spans that end are dropped and
 * counted here, instead of entering a queue nobody drains any more (the SDK still hands spans that were
 * started before shutdown to its processors when they end).
 */
final class ClosingGate extends SdkLifecycle implements SpanProcessor {

  private final SpanProcessor delegate;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  ClosingGate(SpanProcessor delegate) {
    super(delegate, delegate::forceFlush, delegate::shutdown);
    this.delegate = delegate;
  }

  void shut() {
    closed = true;
  }

  /** Sampled spans that ended after {@link #shut()}. */
  long dropped() {
    return dropped.get();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    delegate.onStart(parentContext, span);
  }

  @Override
  public boolean isStartRequired() {
    return delegate.isStartRequired();
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (closed) {
      if (span.getSpanContext().isSampled()) {
        dropped.incrementAndGet();
      }
      return;
    }
    delegate.onEnd(span);
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }
}
