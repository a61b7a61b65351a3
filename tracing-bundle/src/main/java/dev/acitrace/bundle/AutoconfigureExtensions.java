package dev.acitrace.bundle;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.ExporterProvider;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What OpenTelemetry's autoconfigure SPIs contribute to the trace pipeline that {@link Initializer} builds
 * itself: span exporters by name ({@link ConfigurableSpanExporterProvider}, e.g. {@code logging} and
 * {@code logging-otlp} from {@code opentelemetry-exporter-logging[-otlp]}, or a vendor's) and the span
 * exporter and span processor customizers of every {@link AutoConfigurationCustomizerProvider}.
 *
 * <p>Why the customizers are collected here: autoconfigure applies span exporter and processor customizers
 * only to the exporters it creates itself, and it keeps the composed customizer private. acitrace builds
 * the exporters and the batch processor (so that drops can be counted), so it asks every
 * {@link AutoConfigurationCustomizerProvider} to customize a recorder as well, keeps the span exporter
 * and processor customizers, in the providers' {@code order()}, and applies them exactly as autoconfigure
 * would: to each exporter, then to the processor. Everything else the providers register (properties,
 * resource, sampler, propagators, tracer/meter/logger providers) autoconfigure applies itself. Each
 * provider's {@code customize} is therefore called twice (once here, once by autoconfigure); the
 * customizers it registers run once.
 */
final class AutoconfigureExtensions {

  private static final Logger logger = Logger.getLogger(Tracing.class.getName());

  private final List<BiFunction<? super SpanExporter, ConfigProperties, ? extends SpanExporter>> exporterCustomizers;
  private final List<BiFunction<? super SpanProcessor, ConfigProperties, ? extends SpanProcessor>> processorCustomizers;
  private final Map<String, ConfigurableSpanExporterProvider> exporterProviders;

  private AutoconfigureExtensions(Recorder recorder, Map<String, ConfigurableSpanExporterProvider> providers) {
    this.exporterCustomizers = List.copyOf(recorder.exporterCustomizers);
    this.processorCustomizers = List.copyOf(recorder.processorCustomizers);
    this.exporterProviders = providers;
  }

  /** Loads the providers on the path (module path {@code provides} or classpath {@code META-INF/services}). */
  static AutoconfigureExtensions load() {
    List<AutoConfigurationCustomizerProvider> customizers =
        loadAll(ServiceLoader.load(AutoConfigurationCustomizerProvider.class));
    // autoconfigure's order: ascending Ordered.order(), stable for equal orders
    customizers.sort(Comparator.comparingInt(AutoConfigurationCustomizerProvider::order));
    Recorder recorder = new Recorder();
    for (AutoConfigurationCustomizerProvider customizer : customizers) {
      customizer.customize(recorder);
    }
    Map<String, ConfigurableSpanExporterProvider> providers = new LinkedHashMap<>();
    for (ConfigurableSpanExporterProvider provider :
        loadAll(ServiceLoader.load(ConfigurableSpanExporterProvider.class))) {
      String name = provider.getName();
      if (name != null && !name.isBlank()) {
        providers.putIfAbsent(name.trim(), provider);
      }
    }
    return new AutoconfigureExtensions(recorder, Map.copyOf(providers));
  }

  private static <T> List<T> loadAll(ServiceLoader<T> loader) {
    List<T> found = new ArrayList<>();
    Iterator<T> it = loader.iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          return found;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        logger.log(Level.WARNING, "skipping an OpenTelemetry extension that failed to load", e);
      }
    }
  }

  /**
   * The exporter called {@code name}: acitrace's {@link ExporterProvider}s first, then autoconfigure's
   * {@link ConfigurableSpanExporterProvider}s; {@code null} when neither has it.
   */
  Source find(String name) {
    if (Providers.names(ExporterProvider.class).contains(name)) {
      return new Source(name, Providers.named(ExporterProvider.class, name), null);
    }
    ConfigurableSpanExporterProvider provider = exporterProviders.get(name);
    return provider == null ? null : new Source(name, null, provider);
  }

  /** Every exporter name available, acitrace's first, without the names acitrace's providers shadow. */
  List<String> names() {
    List<String> names = new ArrayList<>(Providers.names(ExporterProvider.class));
    exporterProviders.keySet().stream().sorted().filter(n -> !names.contains(n)).forEach(names::add);
    return names;
  }

  /** Applies the span exporter customizers, in order, as autoconfigure does to each exporter it creates. */
  SpanExporter customize(SpanExporter exporter, ConfigProperties config) {
    SpanExporter customized = exporter;
    for (BiFunction<? super SpanExporter, ConfigProperties, ? extends SpanExporter> customizer : exporterCustomizers) {
      customized = requireNonNull(customizer.apply(customized, config), "a span exporter customizer returned null");
    }
    return customized;
  }

  /** Applies the span processor customizers, in order, as autoconfigure does to each processor it creates. */
  SpanProcessor customize(SpanProcessor processor, ConfigProperties config) {
    SpanProcessor customized = processor;
    for (BiFunction<? super SpanProcessor, ConfigProperties, ? extends SpanProcessor> customizer : processorCustomizers) {
      customized = requireNonNull(customizer.apply(customized, config), "a span processor customizer returned null");
    }
    return customized;
  }

  /** Where an exporter name resolved: exactly one of {@code acitrace} and {@code openTelemetry} is set. */
  record Source(String name, ExporterProvider acitrace, ConfigurableSpanExporterProvider openTelemetry) {}

  /** Keeps the span exporter and processor customizers; autoconfigure itself applies the others. */
  private static final class Recorder implements AutoConfigurationCustomizer {
    final List<BiFunction<? super SpanExporter, ConfigProperties, ? extends SpanExporter>> exporterCustomizers =
        new ArrayList<>();
    final List<BiFunction<? super SpanProcessor, ConfigProperties, ? extends SpanProcessor>> processorCustomizers =
        new ArrayList<>();

    @Override
    public AutoConfigurationCustomizer addSpanExporterCustomizer(
        BiFunction<? super SpanExporter, ConfigProperties, ? extends SpanExporter> customizer) {
      exporterCustomizers.add(requireNonNull(customizer, "customizer"));
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addSpanProcessorCustomizer(
        BiFunction<? super SpanProcessor, ConfigProperties, ? extends SpanProcessor> customizer) {
      processorCustomizers.add(requireNonNull(customizer, "customizer"));
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addPropagatorCustomizer(
        BiFunction<? super TextMapPropagator, ConfigProperties, ? extends TextMapPropagator> customizer) {
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addResourceCustomizer(
        BiFunction<? super Resource, ConfigProperties, ? extends Resource> customizer) {
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addSamplerCustomizer(
        BiFunction<? super Sampler, ConfigProperties, ? extends Sampler> customizer) {
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addPropertiesSupplier(Supplier<Map<String, String>> supplier) {
      return this;
    }

    @Override
    public AutoConfigurationCustomizer addPropertiesCustomizer(
        Function<ConfigProperties, Map<String, String>> customizer) {
      return this;
    }
  }
}
