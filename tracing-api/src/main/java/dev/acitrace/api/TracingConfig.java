package dev.acitrace.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Configuration as the SPIs read it: string properties under dotted lower-case keys
 * ({@code acitrace.baggage.codec}), the same convention OpenTelemetry uses for {@code otel.*}.
 * {@link #fromEnvironment()} resolves a key from the system property of that name first, then from the
 * environment variable derived from it ({@code ACITRACE_BAGGAGE_CODEC}).
 */
@FunctionalInterface
public interface TracingConfig {

  /** The raw value of {@code key}, or {@code null} when it is not set. */
  String get(String key);

  /** The value of {@code key}, or {@code defaultValue} when it is unset or blank. */
  default String get(String key, String defaultValue) {
    String value = get(key);
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  /**
   * A boolean value ({@code true}/{@code false}, any case).
   *
   * @throws IllegalArgumentException naming the key when the value is neither
   */
  default boolean getBoolean(String key, boolean defaultValue) {
    String value = get(key, null);
    if (value == null) {
      return defaultValue;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(key + ": expected true or false, got '" + value + "'");
  }

  /**
   * An integer value.
   *
   * @throws IllegalArgumentException naming the key when the value is not an integer
   */
  default int getInt(String key, int defaultValue) {
    String value = get(key, null);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": expected an integer, got '" + value + "'", e);
    }
  }

  /** A comma-separated list, trimmed, empty items dropped; empty when unset. */
  default List<String> getList(String key) {
    String value = get(key, null);
    if (value == null) {
      return List.of();
    }
    List<String> items = new ArrayList<>();
    for (String item : value.split(",")) {
      String trimmed = item.trim();
      if (!trimmed.isEmpty()) {
        items.add(trimmed);
      }
    }
    return Collections.unmodifiableList(items);
  }

  /** System properties first, then environment variables ({@code a.b-c} is read as {@code A_B_C}). */
  static TracingConfig fromEnvironment() {
    return key -> {
      String value = System.getProperty(key);
      return value != null ? value : System.getenv(toEnvironmentName(key));
    };
  }

  /** A fixed map of properties; handy in tests and for programmatic setup. */
  static TracingConfig of(Map<String, String> properties) {
    Map<String, String> copy = Map.copyOf(requireNonNull(properties, "properties"));
    return copy::get;
  }

  /** Properties from {@code first}, falling back to {@code fallback} for keys it does not set. */
  static TracingConfig layered(TracingConfig first, TracingConfig fallback) {
    requireNonNull(first, "first");
    requireNonNull(fallback, "fallback");
    return key -> {
      String value = first.get(key);
      return value != null ? value : fallback.get(key);
    };
  }

  /** {@code acitrace.baggage.codec} becomes {@code ACITRACE_BAGGAGE_CODEC}. */
  static String toEnvironmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
