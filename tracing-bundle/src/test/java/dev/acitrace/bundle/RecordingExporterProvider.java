package dev.acitrace.bundle;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * A test-only exporter provider, registered only in test resources (META-INF/services): found by name
 * when the tests run on the classpath. (On the module path a provider must be its own module with a
 * {@code provides}: ModulePathLaunchTest shows that case.)
 */
public final class RecordingExporterProvider implements ExporterProvider {

  static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();

  /** For {@link java.util.ServiceLoader}. */
  public RecordingExporterProvider() {}

  @Override
  public String name() {
    return "recording";
  }

  @Override
  public int order() {
    return 500;
  }

  @Override
  public SpanExporter create(TracingConfig config) {
    EXPORTER.reset();
    return EXPORTER;
  }
}
