package dev.acitrace.bundle;

import dev.acitrace.bundle.internal.SdkLifecycle;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Counts what the exporters accepted and what they failed, and says so in the log at most once per
 * {@link #LOG_INTERVAL_NANOS}: a collector that is down must be visible without flooding the log.
 * Runs on the batch processor's worker thread, never on a traced call's.
 */
final class CountingSpanExporter extends SdkLifecycle implements SpanExporter {

  private static final Logger logger = Logger.getLogger(Tracing.class.getName());
  static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final SpanExporter delegate;
  // Exports handed to the delegate and not settled yet; each is counted exactly once, by whichever of the
  // delegate's completion and abandon() comes first.
  private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean abandoned;
  private final LongSupplier dropped;
  private final AtomicLong exported = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Object logLock = new Object();
  private long lastLogNanos; // guarded by logLock
  private boolean loggedOnce; // guarded by logLock
  private long loggedLost; // guarded by logLock

  CountingSpanExporter(SpanExporter delegate, LongSupplier dropped) {
    super(delegate, delegate::flush, delegate::shutdown);
    this.delegate = delegate;
    this.dropped = dropped;
  }

  long exported() {
    return exported.get();
  }

  long failed() {
    return failed.get();
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int count = spans.size();
    if (abandoned) {
      // Shutting down past its bound: the batch processor drains its queue through here without I/O.
      failed.addAndGet(count);
      return CompletableResultCode.ofFailure();
    }
    Pending entry = new Pending(count);
    pending.add(entry);
    CompletableResultCode result;
    try {
      result = delegate.export(spans);
    } catch (RuntimeException e) {
      // A broken exporter must not kill the worker thread; count and report it like any failure.
      settle(entry, false, e);
      return CompletableResultCode.ofExceptionalFailure(e);
    }
    result.whenComplete(() -> settle(entry, result.isSuccess(), result.getFailureThrowable()));
    if (abandoned) {
      settle(entry, false, null); // abandon() ran while this export was being handed over
    }
    return entry.result;
  }

  /**
   * Gives up on what is in flight: every export still waiting for the delegate (e.g. retrying against a
   * collector that is down) fails now, and every later export fails at once without reaching the delegate.
   * Called when shutdown has run out of time; the delegate's shutdown then cancels what it still has.
   */
  void abandon() {
    abandoned = true;
    for (Pending entry : pending) {
      settle(entry, false, null);
    }
  }

  /** Spans in exports handed to the delegate and not finished yet. */
  long inFlight() {
    long spans = 0;
    for (Pending entry : pending) {
      spans += entry.count;
    }
    return spans;
  }

  private void settle(Pending entry, boolean success, Throwable cause) {
    if (!entry.settled.compareAndSet(false, true)) {
      return;
    }
    pending.remove(entry);
    if (success) {
      exported.addAndGet(entry.count);
      entry.result.succeed();
    } else {
      failed.addAndGet(entry.count);
      if (!abandoned) {
        report(cause); // when abandoned, close() says what was lost, in one line
      }
      entry.result.fail();
    }
  }

  private static final class Pending {
    final int count;
    final AtomicBoolean settled = new AtomicBoolean();
    final CompletableResultCode result = new CompletableResultCode();

    Pending(int count) {
      this.count = count;
    }
  }

  /** Logs lost spans, at most once per interval; the first loss is logged at once. */
  private void report(Throwable cause) {
    long lost = failed.get() + dropped.getAsLong();
    long now = System.nanoTime();
    synchronized (logLock) {
      if (lost == loggedLost || (loggedOnce && now - lastLogNanos < LOG_INTERVAL_NANOS)) {
        return;
      }
      loggedOnce = true;
      lastLogNanos = now;
      loggedLost = lost;
    }
    logger.log(Level.WARNING,
        "spans are being lost: " + failed.get() + " failed to export, " + dropped.getAsLong()
            + " dropped (queue full), " + exported.get() + " exported so far; is the collector reachable?"
            + (cause == null ? "" : " Last error: " + describe(cause)));
  }

  // OpenTelemetry's export exceptions carry the reason in their cause, not their own message.
  private static String describe(Throwable error) {
    Throwable shown = error;
    while (shown.getMessage() == null && shown.getCause() != null) {
      shown = shown.getCause();
    }
    return shown.getClass().getSimpleName() + ": " + shown.getMessage();
  }
}
