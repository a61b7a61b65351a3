package dev.acitrace.bundle.internal;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * {@code none}: export nothing. Initialization recognizes {@code otel.traces.exporter=none} and then
 * installs no span processor at all, so spans cost no queueing; this provider exists so the name is
 * listed and discoverable like any other.
 */
public final class NoneExporterProvider implements ExporterProvider {

  /** The provider's name. */
  public static final String NAME = "none";

  /** For {@link java.util.ServiceLoader}. */
  public NoneExporterProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int order() {
    return 100;
  }

  @Override
  public SpanExporter create(TracingConfig config) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public String toString() {
        return "NoneSpanExporter";
      }
    };
  }
}
