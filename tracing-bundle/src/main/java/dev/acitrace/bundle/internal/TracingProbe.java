package dev.acitrace.bundle.internal;

import dev.acitrace.bundle.ExportStats;
import dev.acitrace.bundle.Tracing;
import dev.acitrace.bundle.TracingConfigurationException;
import dev.acitrace.bundle.TracingHandle;
import dev.acitrace.bundle.TracingSettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * Checks that the tracing configuration of this environment reaches its exporters: initializes tracing
 * exactly as {@link Tracing#init()} would, sends one small trace ({@code acitrace.probe} with one child)
 * and one metric measurement ({@code acitrace.probe.runs}), flushes, and reports what became of the spans.
 * Not API: a launcher entry point, run by its qualified name.
 *
 * <pre>
 * OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317 \
 *   java -p libs -m dev.acitrace.bundle/dev.acitrace.bundle.internal.TracingProbe
 * </pre>
 *
 * <p>Exit status: 0 when every span was exported, 1 when spans were lost, 2 when the configuration is
 * invalid (the message names the setting).
 */
public final class TracingProbe {

  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private TracingProbe() {}

  /**
   * Runs the probe.
   *
   * @param args ignored: configuration comes from {@code OTEL_*} / {@code otel.*} as for the service
   */
  public static void main(String[] args) {
    TracingHandle tracing;
    try {
      tracing = Tracing.init(TracingSettings.builder().registerGlobal(false).shutdownHook(false).build());
    } catch (TracingConfigurationException e) {
      System.err.println("acitrace probe: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Tracer tracer = tracing.openTelemetry().getTracer("dev.acitrace.bundle.probe");
    Span root = tracer.spanBuilder("acitrace.probe")
        .setAttribute("process.pid", ProcessHandle.current().pid())
        .startSpan();
    try (Scope ignored = root.makeCurrent()) {
      tracer.spanBuilder("acitrace.probe.child").startSpan().end();
    } finally {
      root.end();
    }
    // one measurement, so that the metrics pipeline (OTEL_METRICS_EXPORTER) is exercised as well
    tracing.openTelemetry().getMeter("dev.acitrace.bundle.probe").counterBuilder("acitrace.probe.runs")
        .setDescription("Runs of the acitrace tracing probe.").build().add(1);
    tracing.close();
    ExportStats stats = tracing.exportStats();
    System.out.println("acitrace probe: trace " + root.getSpanContext().getTraceId()
        + " from service '" + tracing.resource().getAttribute(SERVICE_NAME)
        + "' to exporters " + tracing.exporters() + ": " + stats);
    System.exit(stats.exportedSpans() >= 2 && stats.lostSpans() == 0 ? 0 : 1);
  }
}
