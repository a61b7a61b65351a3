package dev.acitrace.bundle.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bridges acitrace's {@link TracingConfig} and OpenTelemetry's {@link ConfigProperties}. During
 * initialization, exporter providers receive the autoconfigured properties wrapped in this class, so an
 * exporter that speaks OpenTelemetry's configuration (like {@code otlp}) sees exactly what autoconfigure
 * resolved: system properties, environment, acitrace's defaults and programmatic overrides.
 */
public final class OtelConfig implements TracingConfig {

  // The settings OpenTelemetry's OTLP span exporter reads; used only when an exporter provider is called
  // with a plain TracingConfig (outside Tracing.init), which cannot list its keys.
  private static final List<String> OTLP_SUFFIXES = List.of("protocol", "endpoint", "headers",
      "timeout", "compression", "certificate", "client.key", "client.certificate");
  private static final List<String> OTHER_OTLP_KEYS = List.of("otel.java.exporter.memory_mode",
      "otel.java.exporter.otlp.retry.disabled", "otel.experimental.exporter.otlp.retry.enabled");

  private final ConfigProperties properties;

  private OtelConfig(ConfigProperties properties) {
    this.properties = properties;
  }

  /** {@code properties} seen as a {@link TracingConfig}. */
  public static OtelConfig of(ConfigProperties properties) {
    return new OtelConfig(requireNonNull(properties, "properties"));
  }

  /** The OpenTelemetry view of {@code config}: unwrapped when it came from autoconfigure. */
  public static ConfigProperties asConfigProperties(TracingConfig config) {
    requireNonNull(config, "config");
    if (config instanceof OtelConfig) {
      return ((OtelConfig) config).properties;
    }
    Map<String, String> known = new HashMap<>();
    for (String suffix : OTLP_SUFFIXES) {
      copy(config, "otel.exporter.otlp." + suffix, known);
      copy(config, "otel.exporter.otlp.traces." + suffix, known);
    }
    OTHER_OTLP_KEYS.forEach(key -> copy(config, key, known));
    return DefaultConfigProperties.createFromMap(known);
  }

  /**
   * The OTLP settings that are set, as {@code key (ENV)='value'}: those whose name appears in
   * {@code message} ("endpoint", "protocol", ...), or all of them when none does.
   */
  public static String describeOtlpSettings(ConfigProperties properties, String message) {
    String lower = message.toLowerCase(java.util.Locale.ROOT);
    List<String> all = new java.util.ArrayList<>();
    List<String> mentioned = new java.util.ArrayList<>();
    for (String suffix : OTLP_SUFFIXES) {
      for (String key : List.of("otel.exporter.otlp." + suffix, "otel.exporter.otlp.traces." + suffix,
          "otel.exporter.otlp.metrics." + suffix)) {
        String value = properties.getString(key);
        if (value == null) {
          continue;
        }
        String described = key + " (" + TracingConfig.toEnvironmentName(key) + ")='" + value + "'";
        all.add(described);
        String word = suffix.contains(".") ? suffix.substring(suffix.indexOf('.') + 1) : suffix;
        if (lower.contains(word) || (suffix.equals("compression") && lower.contains("compress"))) {
          mentioned.add(described);
        }
      }
    }
    List<String> shown = mentioned.isEmpty() ? all : mentioned;
    return shown.isEmpty() ? "no OTLP settings are set" : "OTLP settings: " + String.join(", ", shown);
  }

  private static void copy(TracingConfig config, String key, Map<String, String> into) {
    String value = config.get(key);
    if (value != null) {
      into.put(key, value);
    }
  }

  /** The OpenTelemetry properties behind this view. */
  public ConfigProperties properties() {
    return properties;
  }

  @Override
  public String get(String key) {
    return properties.getString(key);
  }
}
