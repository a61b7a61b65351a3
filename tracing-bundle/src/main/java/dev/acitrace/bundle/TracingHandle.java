package dev.acitrace.bundle;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Initialized tracing: the configured {@link OpenTelemetry}, what became of the spans, and shutdown.
 * Closing flushes pending spans and shuts the SDK down, waiting at most the configured shutdown timeout
 * (a collector that is down or black-holing cannot hold the process); closing twice does nothing.
 */
public final class TracingHandle implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(Tracing.class.getName());

  private final OpenTelemetrySdk sdk;
  private final Initializer initializer;
  private final Duration shutdownTimeout;
  // After the shutdown timeout, how long the batch worker gets to drain without I/O and stop.
  private static final long ABANDON_GRACE_MILLIS = 500;

  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread shutdownHook;
  private volatile ExportStats finalStats;

  TracingHandle(OpenTelemetrySdk sdk, Initializer initializer, Duration shutdownTimeout) {
    this.sdk = sdk;
    this.initializer = initializer;
    this.shutdownTimeout = shutdownTimeout;
  }

  /** The configured OpenTelemetry: build tracers, interceptors and propagation from it. */
  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  /**
   * The resource every span carries ({@code service.name}, {@code deployment.environment.name}, ...);
   * empty when the SDK is disabled ({@code OTEL_SDK_DISABLED}).
   */
  public Resource resource() {
    return initializer.resource();
  }

  /** The exporter names in use, as configured ({@code ["none"]} when nothing is exported). */
  public List<String> exporters() {
    return initializer.exporterNames();
  }

  /**
   * Exported, failed, dropped and queued span counts since initialization; cheap enough to poll. After
   * {@link #close()} returned, {@code exported + failed + dropped} is every sampled span that ended,
   * and nothing is queued.
   */
  public ExportStats exportStats() {
    CountingSpanExporter exporter = initializer.exporter();
    if (exporter == null) {
      return ExportStats.EMPTY;
    }
    long lateDrops = initializer.gate().dropped();
    ExportStats last = finalStats;
    if (last != null) {
      return new ExportStats(last.exportedSpans(), last.failedSpans(), last.droppedSpans() + lateDrops, 0);
    }
    SpanProcessorMeter meter = initializer.meter();
    return new ExportStats(exporter.exported(), exporter.failed(), meter.dropped() + lateDrops, meter.queued());
  }

  /**
   * Exports the spans ended so far, waiting at most the shutdown timeout.
   *
   * @return whether every pending span was exported in time
   */
  public boolean flush() {
    CompletableResultCode result = sdk.getSdkTracerProvider().forceFlush();
    return result.join(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS).isSuccess();
  }

  /**
   * Flushes and shuts tracing (and metrics) down, waiting at most the shutdown timeout; spans ended
   * afterwards are dropped (and counted). Traces are flushed first, then metrics (so a console prints the
   * trace before the metrics table). When the exporters have not finished by the deadline (a collector
   * that is down makes OTLP retry with backoff), what is still in flight or queued is given up: counted as
   * failed, the exporters shut down (cancelling their calls), so nothing keeps running once this returns
   * (at most {@value #ABANDON_GRACE_MILLIS} ms after the deadline). Logs one WARNING saying what was lost and
   * why. Idempotent; also run by the shutdown hook when one was installed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    removeShutdownHook();
    ClosingGate gate = initializer.gate();
    if (gate != null) {
      gate.shut();
    }
    long deadline = System.nanoTime() + shutdownTimeout.toNanos();
    // Which signal is shutting down (the closing thread moves it on), and the one the watchdog gave up on.
    AtomicReference<Phase> phase = new AtomicReference<>(Phase.TRACES);
    AtomicReference<Phase> late = new AtomicReference<>(Phase.DONE);
    // The meter provider's shutdown blocks the calling thread on its last export: a watchdog gives up on the
    // exporters at the deadline, whichever phase is running.
    Thread watchdog = new Thread(() -> {
      try {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      } catch (InterruptedException e) {
        return; // closed in time
      }
      Phase running = phase.get();
      if (running != Phase.DONE) {
        late.set(running);
        abandonExporters();
      }
    }, "acitrace-tracing-shutdown-deadline");
    watchdog.setDaemon(true);
    watchdog.start();
    long hardDeadline = deadline + TimeUnit.MILLISECONDS.toNanos(ABANDON_GRACE_MILLIS);
    boolean done = join(sdk.getSdkTracerProvider().shutdown(), hardDeadline);
    phase.set(Phase.METRICS);
    done &= join(sdk.getSdkMeterProvider().shutdown(), hardDeadline);
    phase.set(Phase.LOGS);
    done &= join(sdk.getSdkLoggerProvider().shutdown(), hardDeadline);
    phase.set(Phase.DONE);
    watchdog.interrupt();
    try {
      watchdog.join(ABANDON_GRACE_MILLIS); // at once: interrupted in time, or it fired and has abandoned
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Phase lateSignal = late.get();
    boolean stuck = false;
    CountingSpanExporter exporter = initializer.exporter();
    if (!done) {
      // e.g. a span processor customizer that does not return: stop the exporters ourselves
      stuck = true;
      abandonExporters();
      if (exporter != null) {
        exporter.shutdown();
      }
    }
    SpanProcessorMeter meter = initializer.meter();
    if (exporter != null) {
      long queued = meter.queued();
      finalStats = new ExportStats(exporter.exported(), exporter.failed(),
          meter.dropped() + queued + exporter.inFlight(), 0);
      meter.closeMeterProvider();
    }
    ExportStats stats = exportStats();
    if (stats.lostSpans() == 0 && !stuck && lateSignal == Phase.DONE) {
      return;
    }
    StringBuilder message = new StringBuilder("tracing shut down: ");
    boolean spansFine = stats.lostSpans() == 0 && (lateSignal == Phase.METRICS || lateSignal == Phase.LOGS);
    if (spansFine) { // another signal was late
      message.append("no spans lost (").append(stats.exportedSpans()).append(" exported)");
    } else {
      message.append(stats.lostSpans()).append(" spans lost (").append(stats.failedSpans())
          .append(" failed to export, ").append(stats.droppedSpans()).append(" dropped), ")
          .append(stats.exportedSpans()).append(" exported");
    }
    if (lateSignal == Phase.TRACES) {
      if (exporter == null) {
        message.append("; the span processors did not finish within the shutdown timeout (")
            .append(shutdownTimeout).append(")");
      } else {
        message.append("; the exporters ").append(exporters()).append(" did not accept them within the shutdown "
            + "timeout (").append(shutdownTimeout).append("): is the collector reachable?");
      }
      if (!initializer.metricExporters().isEmpty()) {
        message.append(" Metrics still pending were not exported either.");
      }
    } else if (stats.failedSpans() > 0) {
      message.append("; the exporters ").append(exporters()).append(" failed them");
      if (lateSignal == Phase.DONE) {
        message.append(": is the collector reachable?");
      }
    }
    if (lateSignal == Phase.METRICS) {
      message.append("; the metric exporters ").append(initializer.metricExporterNames())
          .append(" did not finish their last export within the shutdown timeout (").append(shutdownTimeout)
          .append("), so the metrics pending were not exported: is the collector reachable?");
    } else if (lateSignal == Phase.LOGS) {
      message.append("; the log record processors did not finish within the shutdown timeout (")
          .append(shutdownTimeout).append(")");
    }
    if (stuck) {
      message.append(" Shutdown did not finish in time; the exporters were stopped.");
    }
    logger.log(Level.WARNING, message.toString());
  }

  /** The signals in the order {@link #close()} shuts them down; {@code DONE} once all have. */
  private enum Phase { TRACES, METRICS, LOGS, DONE }

  /** Past the deadline: every exporter fails what it holds at once and stops. */
  private void abandonExporters() {
    CountingSpanExporter exporter = initializer.exporter();
    if (exporter != null) {
      exporter.abandon();
    }
    for (BoundedMetricExporter metrics : initializer.metricExporters()) {
      metrics.abandon();
    }
  }

  private static boolean join(CompletableResultCode result, long deadlineNanos) {
    long wait = Math.max(0, deadlineNanos - System.nanoTime());
    return result.join(wait, TimeUnit.NANOSECONDS).isDone();
  }

  void installShutdownHook() {
    Thread hook = new Thread(this::close, "acitrace-tracing-shutdown");
    shutdownHook = hook;
    Runtime.getRuntime().addShutdownHook(hook);
  }

  Thread shutdownHookThread() {
    return shutdownHook;
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook == null || Thread.currentThread() == hook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook is running or about to; nothing to remove.
    }
  }

  @Override
  public String toString() {
    return "TracingHandle{exporters=" + exporters() + ", " + exportStats() + (closed.get() ? ", closed" : "") + "}";
  }
}
