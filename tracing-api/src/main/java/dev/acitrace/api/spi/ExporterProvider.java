package dev.acitrace.api.spi;

import dev.acitrace.api.TracingConfig;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Supplies a span exporter by name ({@code otlp}, {@code console}, {@code none}, or your own). The
 * initialization entry point looks up the names listed in {@code otel.traces.exporter} among these
 * providers; a name with no provider fails initialization with the list of names available.
 *
 * <p>This SPI names the OpenTelemetry SDK's {@link SpanExporter}: implementations depend on the SDK,
 * the rest of acitrace's API does not.
 */
public interface ExporterProvider extends NamedProvider {

  /** The configuration key listing the exporters to use, as in OpenTelemetry. */
  String CONFIG_KEY = "otel.traces.exporter";

  /**
   * Creates the exporter. Called once, at initialization.
   *
   * @throws IllegalArgumentException naming the setting when the configuration is invalid
   */
  SpanExporter create(TracingConfig config);
}
