package dev.acitrace.bundle.internal;

import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.List;

/**
 * {@code none}: export nothing. Initialization recognizes {@code otel.traces.exporter=none} and then
 * installs no span processor at all, so spans cost no queueing; this provider exists so the name is
 * listed and discoverable like any other.
 */
public final class NoneExporterProvider extends ProviderBase<SpanExporter> implements ExporterProvider {

  /** The provider's name. */
  public static final String NAME = "none";

  /** For {@link java.util.ServiceLoader}. */
  public NoneExporterProvider() {
    // OpenTelemetry's own no-op exporter: every export, flush and shutdown succeeds at once
    super(NAME, 100, config -> SpanExporter.composite(List.of()));
  }
}
