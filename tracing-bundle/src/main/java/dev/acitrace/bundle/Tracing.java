package dev.acitrace.bundle;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import java.util.Map;

/**
 * One call that sets up OpenTelemetry tracing for a service, from the standard OpenTelemetry
 * configuration plus acitrace's defaults:
 *
 * <pre>{@code
 * try (TracingHandle tracing = Tracing.init()) {
 *   OpenTelemetry openTelemetry = tracing.openTelemetry();
 *   ... // build the gRPC interceptors with it, serve
 * } // pending spans are flushed here, within a bounded time
 * }</pre>
 *
 * <p>Configuration is OpenTelemetry's autoconfigure, unchanged: every {@code OTEL_*} environment variable
 * and {@code otel.*} system property means what it means there. acitrace changes only defaults, and
 * only where nothing is set:
 *
 * <ul>
 *   <li>{@code service.name} is {@value #DEFAULT_SERVICE_NAME} when neither {@code OTEL_SERVICE_NAME} nor
 *       {@code service.name} in {@code OTEL_RESOURCE_ATTRIBUTES} is set;
 *   <li>{@code OTEL_PROPAGATORS} defaults to {@value #DEFAULT_PROPAGATORS};
 *   <li>{@code OTEL_LOGS_EXPORTER} defaults to {@code none}: acitrace records no logs. Metrics follow
 *       autoconfigure ({@code OTEL_METRICS_EXPORTER}, default {@code otlp}; {@code console} is acitrace's
 *       compact table; {@code none}): the interceptors record RPC metrics;
 *   <li>{@code ENVIRONMENT} (or {@code -Denvironment}) becomes the {@code deployment.environment.name}
 *       resource attribute, unless {@code OTEL_RESOURCE_ATTRIBUTES} sets it.
 * </ul>
 *
 * <p>The names in {@code OTEL_TRACES_EXPORTER} (default {@value #DEFAULT_EXPORTER}) are looked up among
 * the {@link dev.acitrace.api.spi.ExporterProvider}s on the path: {@code otlp}, {@code console},
 * {@code none}, or any third-party provider. A malformed value fails here, with a
 * {@link TracingConfigurationException} naming the setting and the value.
 */
public final class Tracing {

  /** The service name when none is configured (the original's). */
  public static final String DEFAULT_SERVICE_NAME = "accelerated-container-image";

  /**
   * The propagators when {@code OTEL_PROPAGATORS} is unset: W3C trace context and acitrace's baggage
   * propagator (its codec chosen by {@code acitrace.baggage.codec}, W3C by default).
   */
  public static final String DEFAULT_PROPAGATORS = "tracecontext,acitrace-baggage";

  /** The exporter when {@code OTEL_TRACES_EXPORTER} is unset, as in OpenTelemetry. */
  public static final String DEFAULT_EXPORTER = "otlp";

  // Lowest precedence: environment variables, system properties and TracingSettings all win.
  private static final Map<String, String> DEFAULTS = Map.of(
      "otel.propagators", DEFAULT_PROPAGATORS,
      "otel.logs.exporter", "none");

  private Tracing() {}

  /**
   * Initializes tracing from the environment alone: registers the SDK as
   * {@link io.opentelemetry.api.GlobalOpenTelemetry} and closes it from a JVM shutdown hook.
   *
   * @throws TracingConfigurationException naming the setting and value when the configuration is invalid
   */
  public static TracingHandle init() {
    return init(TracingSettings.defaults());
  }

  /**
   * Initializes tracing from {@code settings} over the environment.
   *
   * @throws TracingConfigurationException naming the setting and value when the configuration is invalid
   * @throws IllegalStateException when {@code settings.registerGlobal()} and a global OpenTelemetry is
   *     already set
   */
  public static TracingHandle init(TracingSettings settings) {
    requireNonNull(settings, "settings");
    Initializer initializer = new Initializer(settings);
    AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> DEFAULTS)
        .addPropertiesCustomizer(initializer::applySettings)
        .addPropertiesCustomizer(initializer::resolveExporters)
        .addResourceCustomizer(initializer::customizeResource)
        .addTracerProviderCustomizer(initializer::customizeTracerProvider)
        .addMeterProviderCustomizer(initializer::customizeMeterProvider)
        .addMetricExporterCustomizer(initializer::bound)
        // The handle owns shutdown: it bounds the wait and reports what was lost.
        .disableShutdownHook();
    if (settings.registerGlobal()) {
      builder.setResultAsGlobal();
    }
    OpenTelemetrySdk sdk;
    try {
      sdk = builder.build().getOpenTelemetrySdk();
    } catch (RuntimeException e) {
      initializer.abandon();
      throw initializer.explain(e);
    }
    TracingHandle handle = new TracingHandle(sdk, initializer, settings.shutdownTimeout());
    if (settings.shutdownHook()) {
      handle.installShutdownHook();
    }
    return handle;
  }
}
