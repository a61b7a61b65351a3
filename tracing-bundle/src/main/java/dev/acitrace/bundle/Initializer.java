package dev.acitrace.bundle;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.ExporterProvider;
import dev.acitrace.bundle.internal.ConsoleExporterProvider;
import dev.acitrace.bundle.internal.OtelConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.resources.ResourceBuilder;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessorBuilder;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The customizations {@link Tracing#init(TracingSettings)} hands OpenTelemetry's autoconfigure, and
 * what they produced (the exporter chain and the processor's meter). One instance per initialization.
 *
 * <p>Why we build the batch span processor ourselves: autoconfigure would build it too, from the same
 * {@code otel.bsp.*} keys, but it only knows exporters from its own SPI and gives no way to read the
 * processor's drop count. So {@code otel.traces.exporter} is resolved against acitrace's
 * {@link ExporterProvider}s, autoconfigure is told {@code none}, and one {@link BatchSpanProcessor}
 * configured from {@code otel.bsp.*} (read through autoconfigure's {@link ConfigProperties}) is added
 * with a private meter provider that counts drops.
 */
final class Initializer {

  static final String TRACES_EXPORTER = "otel.traces.exporter";
  static final String ENVIRONMENT = "environment";
  static final String SAMPLER = "otel.traces.sampler";
  static final String SAMPLER_ARG = "otel.traces.sampler.arg";
  static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  static final AttributeKey<String> DEPLOYMENT_ENVIRONMENT_NAME =
      AttributeKey.stringKey("deployment.environment.name");
  // The key before semantic conventions 1.27; a user who sets it has set the environment explicitly.
  static final AttributeKey<String> DEPLOYMENT_ENVIRONMENT =
      AttributeKey.stringKey("deployment.environment");

  private static final Pattern OTEL_KEY = Pattern.compile("otel\\.[a-z0-9_.\\-]++(?! \\()");

  private final TracingSettings settings;
  // Written while autoconfigure builds the SDK, read afterwards from any thread through the handle.
  private volatile List<ExporterProvider> providers = List.of();
  private volatile List<String> exporterNames = List.of();
  private volatile CountingSpanExporter exporter;
  private volatile SpanProcessorMeter meter;
  private volatile Resource resource = Resource.empty();

  Initializer(TracingSettings settings) {
    this.settings = settings;
  }

  /** Step 1 (properties customizer): what the code set wins over the environment. */
  Map<String, String> applySettings(ConfigProperties config) {
    return settings.properties();
  }

  /**
   * Step 2 (properties customizer): validates what autoconfigure would accept but fail on later with an
   * unclear message, resolves the exporter names against our SPI, and hides them from autoconfigure.
   */
  Map<String, String> resolveExporters(ConfigProperties config) {
    validateSamplerRatio(config);
    List<String> names = config.getList(TRACES_EXPORTER);
    Set<String> unique = new LinkedHashSet<>(names.isEmpty() ? List.of(Tracing.DEFAULT_EXPORTER) : names);
    if (unique.contains("none")) {
      if (unique.size() > 1) {
        throw new TracingConfigurationException(describe(TRACES_EXPORTER, config.getString(TRACES_EXPORTER))
            + ": 'none' cannot be combined with other exporters");
      }
      providers = List.of();
    } else {
      List<ExporterProvider> resolved = new ArrayList<>();
      for (String name : unique) {
        try {
          resolved.add(Providers.named(ExporterProvider.class, name));
        } catch (IllegalArgumentException e) {
          throw new TracingConfigurationException(
              describe(TRACES_EXPORTER, config.getString(TRACES_EXPORTER)) + ": " + e.getMessage(), e);
        }
      }
      providers = List.copyOf(resolved);
    }
    exporterNames = List.copyOf(unique);
    return Map.of(TRACES_EXPORTER, "none");
  }

  private static void validateSamplerRatio(ConfigProperties config) {
    String sampler = config.getString(SAMPLER);
    if (sampler == null || !sampler.trim().endsWith("traceidratio")) {
      return;
    }
    Double ratio = config.getDouble(SAMPLER_ARG); // autoconfigure's own message if not a number
    if (ratio != null && !(ratio >= 0.0 && ratio <= 1.0)) {
      throw new TracingConfigurationException(describe(SAMPLER_ARG, config.getString(SAMPLER_ARG))
          + ": the sampling ratio of " + SAMPLER + "=" + sampler.trim() + " must be between 0.0 and 1.0");
    }
  }

  /** Resource customizer: acitrace's service-name default and {@code ENVIRONMENT}. */
  Resource customizeResource(Resource resource, ConfigProperties config) {
    ResourceBuilder builder = resource.toBuilder();
    boolean serviceNameSet = config.getString("otel.service.name") != null
        || config.getMap("otel.resource.attributes").containsKey(SERVICE_NAME.getKey());
    String serviceName = resource.getAttribute(SERVICE_NAME);
    if (!serviceNameSet && (serviceName == null || serviceName.startsWith("unknown_service"))) {
      builder.put(SERVICE_NAME, Tracing.DEFAULT_SERVICE_NAME);
    }
    if (settings.environment() != null) {
      builder.put(DEPLOYMENT_ENVIRONMENT_NAME, settings.environment());
    } else {
      String environment = config.getString(ENVIRONMENT);
      if (environment != null && !environment.isBlank()
          && resource.getAttribute(DEPLOYMENT_ENVIRONMENT_NAME) == null
          && resource.getAttribute(DEPLOYMENT_ENVIRONMENT) == null) {
        builder.put(DEPLOYMENT_ENVIRONMENT_NAME, environment.trim());
      }
    }
    this.resource = builder.build();
    return this.resource;
  }

  /** Tracer provider customizer: the exporters and one batch processor in front of them. */
  SdkTracerProviderBuilder customizeTracerProvider(SdkTracerProviderBuilder builder, ConfigProperties config) {
    if (providers.isEmpty()) {
      return builder;
    }
    TracingConfig tracingConfig = OtelConfig.of(config);
    List<SpanExporter> exporters = new ArrayList<>(providers.size());
    for (ExporterProvider provider : providers) {
      try {
        exporters.add(provider instanceof ConsoleExporterProvider console && settings.consoleOutput() != null
            ? console.create(tracingConfig, settings.consoleOutput())
            : provider.create(tracingConfig));
      } catch (RuntimeException e) {
        exporters.forEach(SpanExporter::shutdown);
        throw new TracingConfigurationException(TRACES_EXPORTER + "=" + provider.name()
            + ": cannot create the exporter: " + withEnvironmentNames(String.valueOf(e.getMessage())), e);
      }
    }
    // Lets the console exporter tell a remote parent started in this process from a truly remote one.
    exporters.forEach(created -> ConsoleExporterProvider.startTracker(created).ifPresent(builder::addSpanProcessor));
    meter = new SpanProcessorMeter();
    exporter = new CountingSpanExporter(SpanExporter.composite(exporters), meter::dropped);
    BatchSpanProcessorBuilder processor = BatchSpanProcessor.builder(exporter)
        .setMeterProvider(meter.meterProvider())
        .setInternalTelemetryVersion(InternalTelemetryVersion.LATEST);
    // The keys and defaults of autoconfigure's own batch processor (OpenTelemetry SDK environment
    // variables specification): unset keys keep the builder's defaults.
    apply(config, "otel.bsp.schedule.delay", config::getDuration, processor::setScheduleDelay);
    apply(config, "otel.bsp.max.queue.size", config::getInt, processor::setMaxQueueSize);
    apply(config, "otel.bsp.max.export.batch.size", config::getInt, processor::setMaxExportBatchSize);
    apply(config, "otel.bsp.export.timeout", config::getDuration, processor::setExporterTimeout);
    try {
      return builder.addSpanProcessor(processor.build());
    } catch (IllegalArgumentException e) {
      throw new TracingConfigurationException("otel.bsp.* (OTEL_BSP_*): " + e.getMessage(), e);
    }
  }

  private static <T> void apply(ConfigProperties config, String key, Function<String, T> read,
      Consumer<T> set) {
    T value = read.apply(key);
    if (value == null) {
      return;
    }
    try {
      set.accept(value);
    } catch (IllegalArgumentException e) {
      throw new TracingConfigurationException(describe(key, config.getString(key)) + ": " + e.getMessage(), e);
    }
  }

  /** Turns what autoconfigure or the SDK threw into a message that names the setting when it can. */
  static RuntimeException explain(RuntimeException e) {
    if (e instanceof TracingConfigurationException) {
      return e;
    }
    Throwable cause = e;
    while (cause != null) {
      if (cause instanceof TracingConfigurationException) {
        return (TracingConfigurationException) cause;
      }
      cause = cause.getCause();
    }
    if (e instanceof ConfigurationException || e instanceof IllegalArgumentException) {
      return new TracingConfigurationException(
          "invalid tracing configuration: " + withEnvironmentNames(String.valueOf(e.getMessage())), e);
    }
    return e;
  }

  /** {@code otel.foo.bar} becomes {@code otel.foo.bar (OTEL_FOO_BAR)} in a message. */
  static String withEnvironmentNames(String message) {
    Matcher matcher = OTEL_KEY.matcher(message);
    StringBuilder result = new StringBuilder();
    Set<String> done = new LinkedHashSet<>();
    while (matcher.find()) {
      String key = trimTrailingDot(matcher.group());
      String replacement = done.add(key)
          ? key + " (" + TracingConfig.toEnvironmentName(key) + ")" + matcher.group().substring(key.length())
          : matcher.group();
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  private static String trimTrailingDot(String key) {
    return key.endsWith(".") ? key.substring(0, key.length() - 1) : key;
  }

  /** {@code key (ENV_NAME)='value'}. */
  static String describe(String key, String value) {
    return key + " (" + TracingConfig.toEnvironmentName(key) + ")='" + value + "'";
  }

  List<String> exporterNames() {
    return exporterNames;
  }

  CountingSpanExporter exporter() {
    return exporter;
  }

  Resource resource() {
    return resource;
  }

  SpanProcessorMeter meter() {
    return meter;
  }

  /** After a failed initialization: release what was created. */
  void abandon() {
    if (exporter != null) {
      exporter.shutdown();
    }
    if (meter != null) {
      meter.closeMeterProvider();
    }
  }
}
