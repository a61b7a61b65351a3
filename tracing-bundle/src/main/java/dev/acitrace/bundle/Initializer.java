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
  static final String METRICS_EXPORTER = "otel.metrics.exporter";
  static final String METRIC_EXPORT_INTERVAL = "otel.metric.export.interval";
  static final String ENVIRONMENT = "environment";
  static final String SAMPLER = "otel.traces.sampler";
  static final String SAMPLER_ARG = "otel.traces.sampler.arg";
  static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  static final AttributeKey<String> DEPLOYMENT_ENVIRONMENT_NAME =
      AttributeKey.stringKey("deployment.environment.name");
  // The key before semantic conventions 1.27; a user who sets it has set the environment explicitly.
  static final AttributeKey<String> DEPLOYMENT_ENVIRONMENT =
      AttributeKey.stringKey("deployment.environment");

  private static final Pattern OTLP_WORDS = Pattern.compile(
      "(?i)otlp|compression|endpoint|protocol|timeout|header|certificate");
  private static final Pattern OTEL_KEY = Pattern.compile("otel\\.[a-z0-9_.\\-]++(?! \\()");

  private final TracingSettings settings;
  // Written while autoconfigure builds the SDK, read afterwards from any thread through the handle.
  private final AutoconfigureExtensions extensions;
  private volatile List<AutoconfigureExtensions.Source> providers = List.of();
  private volatile List<String> exporterNames = List.of();
  private volatile List<String> metricExporterNames = List.of();
  private volatile CountingSpanExporter exporter;
  private volatile SpanProcessorMeter meter;
  private volatile ClosingGate gate;
  private volatile boolean consoleMetrics;
  private volatile ConfigProperties config;
  private final List<BoundedMetricExporter> metricExporters = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile Resource resource = Resource.empty();

  Initializer(TracingSettings settings) {
    this(settings, AutoconfigureExtensions.load());
  }

  Initializer(TracingSettings settings, AutoconfigureExtensions extensions) {
    this.settings = settings;
    this.extensions = extensions;
  }

  /**
   * Step 1 (properties customizer): what the code set wins over the environment, including the
   * signal-specific variables that would otherwise win over a general one: a {@code TracingSettings}
   * value for {@code otel.exporter.otlp.X} replaces the environment's {@code otel.exporter.otlp.traces.X}
   * (and {@code .metrics.X}, {@code .logs.X}) when the environment sets those, unless the settings set
   * them too. A general endpoint is turned
   * into the signal's endpoint the way OpenTelemetry does it for {@code http/protobuf} (the path
   * {@code v1/traces} appended); {@code grpc} endpoints are the same for every signal.
   */
  Map<String, String> applySettings(ConfigProperties config) {
    Map<String, String> properties = new java.util.LinkedHashMap<>(settings.properties());
    for (Map.Entry<String, String> entry : settings.properties().entrySet()) {
      String key = entry.getKey();
      if (!key.startsWith(OTLP_PREFIX)) {
        continue;
      }
      String suffix = key.substring(OTLP_PREFIX.length());
      if (SIGNALS.stream().anyMatch(signal -> suffix.startsWith(signal + "."))) {
        continue;
      }
      for (String signal : SIGNALS) {
        String signalKey = OTLP_PREFIX + signal + "." + suffix;
        if (settings.properties().containsKey(signalKey) || config.getString(signalKey) == null) {
          continue; // set in code, or not set at all: the general value applies as it is
        }
        String value = entry.getValue();
        if (suffix.equals("endpoint") && isHttp(protocol(signal, config))) {
          value = value + (value.endsWith("/") ? "" : "/") + "v1/" + signal;
        }
        properties.put(signalKey, value);
      }
    }
    return properties;
  }

  private static final String OTLP_PREFIX = "otel.exporter.otlp.";
  private static final List<String> SIGNALS = List.of("traces", "metrics", "logs");

  /** The OTLP protocol {@code signal} will use: settings over environment, specific over general. */
  private String protocol(String signal, ConfigProperties config) {
    String specific = OTLP_PREFIX + signal + ".protocol";
    String general = OTLP_PREFIX + "protocol";
    for (String value : new String[] {settings.properties().get(specific), settings.properties().get(general),
        config.getString(specific), config.getString(general)}) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return "grpc";
  }

  private static boolean isHttp(String protocol) {
    return protocol.trim().startsWith("http");
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
      List<AutoconfigureExtensions.Source> resolved = new ArrayList<>();
      for (String name : unique) {
        AutoconfigureExtensions.Source source = extensions.find(name);
        if (source == null) {
          throw new TracingConfigurationException(
              describe(TRACES_EXPORTER, config.getString(TRACES_EXPORTER)) + ": " + unknownExporter(name));
        }
        resolved.add(source);
      }
      providers = List.copyOf(resolved);
    }
    exporterNames = List.copyOf(unique);
    Map<String, String> overrides = new java.util.HashMap<>();
    overrides.put(TRACES_EXPORTER, "none");
    // Metrics: autoconfigure's names and defaults, except `console`, which is acitrace's table (printed to
    // the settings' console output), added in customizeMeterProvider.
    List<String> metricNames = config.getList(METRICS_EXPORTER);
    // For messages: each exporter named once, autoconfigure's default when none is named.
    metricExporterNames = metricNames.isEmpty() ? List.of("otlp")
        : List.copyOf(new java.util.LinkedHashSet<>(metricNames));
    if (metricNames.contains("console")) {
      consoleMetrics = true;
      List<String> others = new ArrayList<>(metricNames);
      others.removeIf("console"::equals);
      overrides.put(METRICS_EXPORTER, others.isEmpty() ? "none" : String.join(",", others));
    }
    return overrides;
  }

  /** Meter provider customizer: acitrace's {@code console} metrics table, when named. */
  io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder customizeMeterProvider(
      io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder builder, ConfigProperties config) {
    if (!consoleMetrics) {
      return builder;
    }
    java.io.PrintStream out = settings.consoleOutput() != null ? settings.consoleOutput() : System.out;
    io.opentelemetry.sdk.metrics.export.PeriodicMetricReaderBuilder reader =
        io.opentelemetry.sdk.metrics.export.PeriodicMetricReader.builder(
            bound(new dev.acitrace.bundle.internal.ConsoleMetricExporter(out), config));
    java.time.Duration interval = config.getDuration(METRIC_EXPORT_INTERVAL);
    if (interval != null) {
      try {
        reader.setInterval(interval);
      } catch (IllegalArgumentException e) {
        throw new TracingConfigurationException(describe(METRIC_EXPORT_INTERVAL,
            config.getString(METRIC_EXPORT_INTERVAL)) + ": " + e.getMessage(), e);
      }
    }
    return builder.registerMetricReader(reader.build());
  }

  /** Metric exporter customizer: every metric exporter can be abandoned when shutdown runs out of time. */
  io.opentelemetry.sdk.metrics.export.MetricExporter bound(
      io.opentelemetry.sdk.metrics.export.MetricExporter exporter, ConfigProperties config) {
    BoundedMetricExporter bounded = new BoundedMetricExporter(exporter);
    metricExporters.add(bounded);
    return bounded;
  }

  List<BoundedMetricExporter> metricExporters() {
    return metricExporters;
  }

  private String unknownExporter(String name) {
    String known = "no exporter named '" + name + "' (neither an acitrace ExporterProvider nor an "
        + "OpenTelemetry ConfigurableSpanExporterProvider); available: " + String.join(", ", extensions.names());
    if (!name.equals("zipkin")) {
      return known;
    }
    return known + ". OpenTelemetry Java no longer publishes a Zipkin exporter (the last release of "
        + "io.opentelemetry:opentelemetry-exporter-zipkin is 1.64.0; this SDK is "
        + OPEN_TELEMETRY_VERSION + "). To export to Zipkin, either send OTLP (OTEL_TRACES_EXPORTER=otlp) to an "
        + "OpenTelemetry Collector with its zipkin exporter, or put a span exporter provider named 'zipkin' on the "
        + "path: an acitrace dev.acitrace.api.spi.ExporterProvider or an OpenTelemetry "
        + "io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider (such as the one in "
        + "io.opentelemetry:opentelemetry-exporter-zipkin:1.64.0, at your own risk against a newer SDK)";
  }

  private static final String OPEN_TELEMETRY_VERSION = openTelemetryVersion();

  private static String openTelemetryVersion() {
    Package sdk = io.opentelemetry.sdk.OpenTelemetrySdk.class.getPackage();
    String version = sdk == null ? null : sdk.getImplementationVersion();
    return version == null ? "1.68.0 or later" : version;
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
    this.config = config; // the final configuration: errors after this point can name OTLP settings
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
    for (AutoconfigureExtensions.Source source : providers) {
      SpanExporter created = null;
      try {
        ExporterProvider provider = source.acitrace();
        if (provider == null) {
          created = source.openTelemetry().createExporter(config);
        } else {
          created = provider instanceof ConsoleExporterProvider && settings.consoleOutput() != null
              ? ConsoleExporterProvider.create(tracingConfig, settings.consoleOutput())
              : provider.create(tracingConfig);
        }
        // The AutoConfigurationCustomizerProviders' span exporter customizers, as autoconfigure applies them.
        exporters.add(extensions.customize(created, config));
      } catch (RuntimeException e) {
        if (created != null) {
          created.shutdown();
        }
        exporters.forEach(SpanExporter::shutdown);
        throw new TracingConfigurationException(TRACES_EXPORTER + "=" + source.name()
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
    BatchSpanProcessor batch;
    try {
      batch = processor.build();
    } catch (IllegalArgumentException e) {
      throw new TracingConfigurationException("otel.bsp.* (OTEL_BSP_*): " + e.getMessage(), e);
    }
    gate = new ClosingGate(extensions.customize(batch, config));
    return builder.addSpanProcessor(gate);
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
  RuntimeException explain(RuntimeException e) {
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
      Throwable shown = e;
      if ("Unexpected configuration error".equals(e.getMessage()) && e.getCause() != null) {
        shown = e.getCause(); // autoconfigure's wrapper of what the exporter builder threw
      }
      String message = String.valueOf(shown.getMessage());
      // OpenTelemetry's OTLP messages ("OTLP endpoint must be a valid URL: ...") do not say which
      // setting; the metric exporter, built before the span exporters, fails first on a shared setting.
      if (config != null && OTLP_WORDS.matcher(message).find()) {
        message = message + "; " + OtelConfig.describeOtlpSettings(config, message);
      }
      return new TracingConfigurationException(
          "invalid tracing configuration: " + withEnvironmentNames(message), e);
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

  /** The metric exporters named by {@code otel.metrics.exporter} (autoconfigure's default: otlp). */
  List<String> metricExporterNames() {
    return metricExporterNames;
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

  ClosingGate gate() {
    return gate;
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
