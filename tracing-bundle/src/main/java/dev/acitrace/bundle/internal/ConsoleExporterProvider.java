package dev.acitrace.bundle.internal;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.io.PrintStream;
import java.util.Optional;

/**
 * {@code console}: prints each finished trace to standard output as an indented tree, for people
 * reading a terminal: one line per span within 120 columns. {@code acitrace.console.max.traces} bounds how
 * many unfinished traces are held (default 1024); {@code acitrace.console.verbose=true} adds every
 * attribute under each span.
 */
public final class ConsoleExporterProvider extends ProviderBase<SpanExporter> implements ExporterProvider {

  /** The provider's name. */
  public static final String NAME = "console";

  /** The configuration key bounding the traces held until their local root ends. */
  public static final String MAX_TRACES_KEY = "acitrace.console.max.traces";

  /**
   * The configuration key ({@code ACITRACE_CONSOLE_VERBOSE}) that adds every attribute, exception and
   * remote parent under each span's line, with full span names; default false.
   */
  public static final String VERBOSE_KEY = "acitrace.console.verbose";

  /** For {@link java.util.ServiceLoader}. */
  public ConsoleExporterProvider() {
    super(NAME, 20, config -> create(config, System.out));
  }

  /**
   * For an exporter this provider created: the span processor to install on the same tracer provider
   * so that a server span whose (remote) parent is a client span of this process prints inside that
   * client's trace tree rather than as a block of its own; empty for any other exporter.
   */
  public static Optional<SpanProcessor> startTracker(SpanExporter exporter) {
    return exporter instanceof ConsoleSpanExporter console ? Optional.of(console.startTracker()) : Optional.empty();
  }

  /**
   * The exporter printing to {@code out} instead of standard output: what
   * {@code TracingSettings.Builder.consoleOutput} selects.
   */
  public static SpanExporter create(TracingConfig config, PrintStream out) {
    int maxTraces = config.getInt(MAX_TRACES_KEY, ConsoleSpanExporter.DEFAULT_MAX_TRACES);
    if (maxTraces < 1) {
      throw new IllegalArgumentException(MAX_TRACES_KEY + ": expected a positive integer, got " + maxTraces);
    }
    return new ConsoleSpanExporter(out, maxTraces, config.getBoolean(VERBOSE_KEY, false));
  }
}
