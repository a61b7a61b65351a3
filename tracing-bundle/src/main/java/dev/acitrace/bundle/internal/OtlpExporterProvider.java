package dev.acitrace.bundle.internal;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ServiceLoader;

/**
 * {@code otlp}: OpenTelemetry's own OTLP span exporter, configured exactly as OpenTelemetry configures it
 * ({@code otel.exporter.otlp[.traces].protocol|endpoint|headers|timeout|compression|certificate|...}).
 *
 * <p>It does not re-parse those settings: it hands them to the {@code otlp}
 * {@link ConfigurableSpanExporterProvider} that ships in {@code opentelemetry-exporter-otlp}, found through
 * that public SPI. With {@code grpc} (the default, {@code http://localhost:4317}) the exporter sends over
 * {@link GrpcJavaSenderProvider}; with {@code http/protobuf} ({@code http://localhost:4318}) over the JDK
 * HTTP client.
 */
public final class OtlpExporterProvider extends ProviderBase<SpanExporter> implements ExporterProvider {

  /** The provider's name, the same as OpenTelemetry's. */
  public static final String NAME = "otlp";

  /** For {@link java.util.ServiceLoader}. */
  public OtlpExporterProvider() {
    super(NAME, 10, OtlpExporterProvider::createExporter);
  }

  private static SpanExporter createExporter(TracingConfig config) {
    ConfigProperties properties = OtelConfig.asConfigProperties(config);
    try {
      return openTelemetryProvider().createExporter(properties);
    } catch (RuntimeException e) {
      // OpenTelemetry's messages say what is wrong ("OTLP endpoint must be a valid URL: ...") but often
      // not which setting: name the OTLP settings the message is about, with their values.
      throw new IllegalArgumentException(e.getMessage() + "; " + OtelConfig.describeOtlpSettings(properties,
          String.valueOf(e.getMessage())), e);
    }
  }

  private static ConfigurableSpanExporterProvider openTelemetryProvider() {
    for (ConfigurableSpanExporterProvider provider :
        ServiceLoader.load(ConfigurableSpanExporterProvider.class, OtlpExporterProvider.class.getClassLoader())) {
      if (NAME.equals(provider.getName())) {
        return provider;
      }
    }
    throw new IllegalStateException(
        "opentelemetry-exporter-otlp is not on the path: no OpenTelemetry span exporter named 'otlp'");
  }
}
