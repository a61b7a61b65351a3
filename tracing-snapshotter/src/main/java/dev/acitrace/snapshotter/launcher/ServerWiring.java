package dev.acitrace.snapshotter.launcher;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.baggage.BaggageContext;
import dev.acitrace.bundle.Tracing;
import dev.acitrace.bundle.TracingHandle;
import dev.acitrace.bundle.TracingSettings;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.ClientInterceptor;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * How the launcher uses the tracing bundle: OpenTelemetry initialization, server and client
 * instrumentation, and the demo's baggage. The rest of the launcher goes through these methods.
 */
final class ServerWiring {

  static final String TRACES_EXPORTER = "otel.traces.exporter";
  static final String SCHEDULE_DELAY = "otel.bsp.schedule.delay";
  /** The OTLP endpoint keys, the signal-specific one first (it wins in OpenTelemetry). */
  static final List<String> OTLP_ENDPOINTS =
      List.of("otel.exporter.otlp.traces.endpoint", "otel.exporter.otlp.endpoint");
  /**
   * How long a finished span waits in the batch processor when printing to the console: short, so a
   * person watching {@code serve} sees each call's trace right after it ends.
   */
  static final String CONSOLE_SCHEDULE_DELAY_MS = "100";

  /** The bound on flushing traces and metrics when the launcher exits. */
  static final java.time.Duration SHUTDOWN_TIMEOUT = java.time.Duration.ofMillis(1500);

  private static final String METRICS_EXPORTER = "otel.metrics.exporter";

  private ServerWiring() {}

  /**
   * Tracing for one run of the launcher.
   *
   * @param handle the bundle's handle; closing flushes and shuts the SDK down
   * @param destination where spans go when the user configured the exporters or an OTLP endpoint
   *     (e.g. "OTLP endpoint http://..."), or null when they are printed to the console
   */
  record LauncherTracing(TracingHandle handle, String destination) implements AutoCloseable {
    OpenTelemetry openTelemetry() {
      return handle.openTelemetry();
    }

    /** How the serve banner ends: {@code ", spans to <destination>"}, or nothing when spans are printed. */
    String spansTo() {
      return destination == null ? "" : ", spans to " + destination;
    }

    @Override
    public void close() {
      handle.close();
    }
  }

  /**
   * Initializes OpenTelemetry with the bundle. Unless the user configured exporters
   * ({@code OTEL_TRACES_EXPORTER}) or an OTLP endpoint ({@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}),
   * traces are printed with the {@code console} exporter, promptly ({@value #CONSOLE_SCHEDULE_DELAY_MS}
   * ms batch delay unless {@code OTEL_BSP_SCHEDULE_DELAY} is set). The console exporter, when used,
   * prints to {@code out}.
   *
   * @param serviceName the {@code service.name} resource attribute, unless the user set one
   *     ({@code OTEL_SERVICE_NAME}, or {@code service.name} in {@code OTEL_RESOURCE_ATTRIBUTES})
   * @param out where the console exporter prints
   */
  static LauncherTracing initTracing(String serviceName, PrintStream out) {
    TracingConfig environment = TracingConfig.fromEnvironment();
    String exporters = environment.get(TRACES_EXPORTER);
    String endpoint = null;
    for (String key : OTLP_ENDPOINTS) {
      endpoint = endpoint != null ? endpoint : environment.get(key);
    }
    TracingSettings.Builder settings = TracingSettings.builder()
        .registerGlobal(false)
        // the launcher closes the handle itself: after the server stopped, so the last spans are in
        .shutdownHook(false)
        // a collector that is down must not hold the launcher: demo and serve exit within about 2.5 s
        // of their work (the bound, metrics after traces, JVM exit)
        .shutdownTimeout(SHUTDOWN_TIMEOUT)
        .consoleOutput(out);
    String resourceAttributes = environment.get("otel.resource.attributes", "");
    if (environment.get("otel.service.name") == null && !namesServiceName(resourceAttributes)) {
      settings.serviceName(serviceName);
    }
    String destination;
    if (exporters == null && endpoint == null) {
      settings.exporters("console");
      if (environment.get(METRICS_EXPORTER) == null) {
        settings.property(METRICS_EXPORTER, "console"); // the RPC metrics table, printed at close
      }
      destination = null;
    } else if (exporters == null) {
      destination = "OTLP endpoint " + endpoint; // otlp is the default exporter
    } else {
      destination = "exporters " + exporters + (endpoint == null ? "" : " (OTLP endpoint " + endpoint + ")");
    }
    boolean console = exporters == null
        ? endpoint == null
        : Arrays.stream(exporters.split(",")).map(String::trim).anyMatch("console"::equals);
    if (console && environment.get(SCHEDULE_DELAY) == null) {
      settings.property(SCHEDULE_DELAY, CONSOLE_SCHEDULE_DELAY_MS);
    }
    return new LauncherTracing(Tracing.init(settings.build()), destination);
  }

  /**
   * True if the {@code OTEL_RESOURCE_ATTRIBUTES} list ({@code key=value,...}) sets {@code service.name}
   * itself; {@code foo.service.name=x} does not.
   */
  static boolean namesServiceName(String resourceAttributes) {
    for (String pair : resourceAttributes.split(",")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).trim().equals("service.name")) {
        return true;
      }
    }
    return false;
  }

  /** Installs server tracing (server spans, context, baggage and request ids) on a server builder. */
  static void instrumentServer(ServerBuilder<?> builder, OpenTelemetry openTelemetry) {
    GrpcServerTracing.create(openTelemetry).applyTo(builder);
  }

  /**
   * A client interceptor that starts client spans and injects trace context and baggage.
   *
   * @param target the channel's target (e.g. {@code unix:///run/x.sock}): {@code server.address} is
   *     taken from it
   */
  static ClientInterceptor clientInterceptor(OpenTelemetry openTelemetry, String target) {
    return GrpcClientTracing.builder(openTelemetry).target(target).build().newInterceptor();
  }

  /** Returns {@code context} with the request id, image and namespace in its baggage. */
  static Context withBaggage(Context context, String requestId, String imageName, String imageTag,
      String namespace) {
    Context withRequestId = BaggageContext.REQUEST_ID.with(context, requestId);
    return BaggageContext.NAMESPACE.with(BaggageContext.withImageInfo(withRequestId, imageName, imageTag), namespace);
  }
}
