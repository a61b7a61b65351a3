package dev.acitrace.bundle;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  private static final Duration ABANDON_GRACE = Duration.ofMillis(500);

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
   * Flushes and shuts tracing down, waiting at most the shutdown timeout; spans ended afterwards are
   * dropped (and counted). When the exporters have not finished by then (a collector that is down makes
   * OTLP retry with backoff), what is still in flight or queued is given up: counted as failed, the
   * exporters shut down (cancelling their calls), so nothing keeps running once this returns. Logs one
   * WARNING saying what was lost and why. Idempotent; also run by the shutdown hook when one was installed.
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
    CompletableResultCode result = sdk.shutdown();
    result.join(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
    boolean abandoned = false;
    boolean stuck = false;
    CountingSpanExporter exporter = initializer.exporter();
    if (!result.isDone() && exporter != null) {
      // Out of time: fail what the exporters still hold, so the batch worker drains its queue at once
      // (each export fails without I/O), shuts the exporters down and ends.
      abandoned = true;
      exporter.abandon();
      result.join(ABANDON_GRACE.toNanos(), TimeUnit.NANOSECONDS);
      if (!result.isDone()) {
        stuck = true; // e.g. a span processor customizer that does not return: stop the exporters ourselves
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
    if (stats.lostSpans() == 0 && !stuck) {
      return;
    }
    StringBuilder message = new StringBuilder("tracing shut down: ").append(stats.lostSpans())
        .append(" spans lost (").append(stats.failedSpans()).append(" failed to export, ")
        .append(stats.droppedSpans()).append(" dropped), ").append(stats.exportedSpans()).append(" exported");
    if (abandoned) {
      message.append("; the exporters ").append(exporters()).append(" did not accept them within the shutdown "
          + "timeout (").append(shutdownTimeout).append("): is the collector reachable?");
    } else if (stats.failedSpans() > 0) {
      message.append("; the exporters ").append(exporters()).append(" failed them: is the collector reachable?");
    }
    if (stuck) {
      message.append(" The span processor did not finish shutting down; its exporters were stopped.");
    }
    logger.log(Level.WARNING, message.toString());
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
