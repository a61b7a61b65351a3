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

  /** Exported, failed, dropped and queued span counts since initialization; cheap enough to poll. */
  public ExportStats exportStats() {
    ExportStats last = finalStats;
    if (last != null) {
      return last;
    }
    CountingSpanExporter exporter = initializer.exporter();
    if (exporter == null) {
      return ExportStats.EMPTY;
    }
    SpanProcessorMeter meter = initializer.meter();
    return new ExportStats(exporter.exported(), exporter.failed(), meter.dropped(), meter.queued());
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
   * dropped. Idempotent; also run by the shutdown hook when one was installed.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    removeShutdownHook();
    CompletableResultCode result =
        sdk.shutdown().join(shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS);
    ExportStats stats = exportStats();
    finalStats = stats;
    SpanProcessorMeter meter = initializer.meter();
    if (meter != null) {
      meter.closeMeterProvider();
    }
    if (!result.isDone()) {
      logger.log(Level.WARNING, "tracing did not shut down within " + shutdownTimeout
          + "; spans still pending were lost. " + stats);
    } else if (stats.lostSpans() > 0) {
      logger.log(Level.WARNING, "tracing shut down; spans were lost: " + stats);
    }
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
