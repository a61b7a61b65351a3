package dev.acitrace.bundle;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explicit settings for {@link Tracing#init(TracingSettings)}. Everything set here wins over the
 * environment ({@code OTEL_*} variables, {@code otel.*} system properties); everything left unset comes
 * from it, with acitrace's defaults below OpenTelemetry's standard configuration.
 *
 * <pre>{@code
 * TracingHandle tracing = Tracing.init(TracingSettings.builder()
 *     .serviceName("snapshotter")
 *     .exporters("console")
 *     .build());
 * }</pre>
 */
public record TracingSettings(
    Map<String, String> properties,
    String environment,
    boolean registerGlobal,
    boolean shutdownHook,
    Duration shutdownTimeout,
    PrintStream consoleOutput) {

  /**
   * How long closing the handle waits for pending spans by default: long enough for a reachable collector
   * to take the last batches over a connection a freshly started JVM still has to open, short enough that
   * a process whose collector is down exits promptly (programs that must exit faster set their own: the
   * snapshotter launcher uses 1.5 s).
   */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private static final TracingSettings DEFAULTS = builder().build();

  /**
   * The settings; {@link #builder()} is the usual way to make them, and checks the same rules.
   *
   * @param properties the {@code otel.*} / {@code acitrace.*} properties that override the environment
   *     (copied, in order)
   * @param environment the deployment environment set in code, or {@code null} to read {@code ENVIRONMENT}
   * @param registerGlobal whether the SDK becomes {@link io.opentelemetry.api.GlobalOpenTelemetry}
   * @param shutdownHook whether a JVM shutdown hook closes the handle
   * @param shutdownTimeout the bound on flushing and shutting down when the handle closes
   * @param consoleOutput where the {@code console} exporter prints, or {@code null} for {@link System#out}
   *     (read when tracing is initialized, so a later {@link System#setOut} does not redirect it)
   * @throws NullPointerException naming the argument when {@code properties}, one of its keys or values,
   *     or {@code shutdownTimeout} is null
   * @throws IllegalArgumentException naming the argument when a property key or {@code environment} is
   *     blank, or {@code shutdownTimeout} is not positive
   */
  public TracingSettings {
    requireNonNull(properties, "properties");
    Map<String, String> copy = new LinkedHashMap<>(properties.size() * 2);
    properties.forEach((key, value) -> copy.put(Builder.nonBlank(key, "key"), requireNonNull(value, "value")));
    properties = Collections.unmodifiableMap(copy);
    if (environment != null) {
      environment = Builder.nonBlank(environment, "environment");
    }
    Builder.positive(shutdownTimeout);
  }

  /** Nothing overridden: configuration comes from the environment alone. */
  public static TracingSettings defaults() {
    return DEFAULTS;
  }

  /** A builder with nothing overridden. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link TracingSettings}; every setter fails fast on a null or blank argument. */
  public static final class Builder {
    private final Map<String, String> properties = new LinkedHashMap<>();
    private String environment;
    private boolean registerGlobal = true;
    private boolean shutdownHook = true;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private PrintStream consoleOutput;

    private Builder() {}

    /** The service name ({@code otel.service.name}); wins over {@code service.name} in resource attributes. */
    public Builder serviceName(String serviceName) {
      return property("otel.service.name", nonBlank(serviceName, "serviceName"));
    }

    /**
     * The deployment environment, recorded as the {@code deployment.environment.name} resource attribute;
     * wins over {@code ENVIRONMENT} and {@code OTEL_RESOURCE_ATTRIBUTES}.
     */
    public Builder environment(String environment) {
      this.environment = nonBlank(environment, "environment");
      return this;
    }

    /** The OTLP endpoint ({@code otel.exporter.otlp.endpoint}), e.g. {@code http://collector:4317}. */
    public Builder endpoint(String endpoint) {
      return property("otel.exporter.otlp.endpoint", nonBlank(endpoint, "endpoint"));
    }

    /** The exporters by provider name ({@code otel.traces.exporter}), e.g. {@code "otlp", "console"}. */
    public Builder exporters(String... names) {
      requireNonNull(names, "names");
      if (names.length == 0) {
        throw new IllegalArgumentException("names: at least one exporter name is required (or \"none\")");
      }
      StringBuilder list = new StringBuilder();
      for (String name : names) {
        list.append(list.length() == 0 ? "" : ",").append(nonBlank(name, "names[]"));
      }
      return property("otel.traces.exporter", list.toString());
    }

    /** The exporters by provider name ({@code otel.traces.exporter}). */
    public Builder exporters(List<String> names) {
      return exporters(requireNonNull(names, "names").toArray(new String[0]));
    }

    /**
     * Any configuration property, as its system-property form ({@code otel.traces.sampler},
     * {@code otel.bsp.max.queue.size}, {@code acitrace.console.max.traces}, ...); wins over the environment.
     */
    public Builder property(String key, String value) {
      properties.put(nonBlank(key, "key"), requireNonNull(value, "value"));
      return this;
    }

    /** Several properties at once; see {@link #property(String, String)}. */
    public Builder properties(Map<String, String> properties) {
      requireNonNull(properties, "properties").forEach(this::property);
      return this;
    }

    /** Whether the SDK is registered as {@link io.opentelemetry.api.GlobalOpenTelemetry}; default true. */
    public Builder registerGlobal(boolean registerGlobal) {
      this.registerGlobal = registerGlobal;
      return this;
    }

    /** Whether a JVM shutdown hook flushes and shuts tracing down; default true. */
    public Builder shutdownHook(boolean shutdownHook) {
      this.shutdownHook = shutdownHook;
      return this;
    }

    /** The bound on flushing and shutting down at close; default {@link #DEFAULT_SHUTDOWN_TIMEOUT}. */
    public Builder shutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = positive(shutdownTimeout);
      return this;
    }

    /**
     * Where the {@code console} exporter prints its trace trees; default {@link System#out}. Only used
     * when {@code console} is among the exporters (this does not select it: see
     * {@link #exporters(String...)}). For programs whose output goes to a stream of their choosing, and
     * for tests. The stream is not closed by tracing.
     */
    public Builder consoleOutput(PrintStream consoleOutput) {
      this.consoleOutput = requireNonNull(consoleOutput, "consoleOutput");
      return this;
    }

    /** The settings. */
    public TracingSettings build() {
      return new TracingSettings(
          properties, environment, registerGlobal, shutdownHook, shutdownTimeout, consoleOutput);
    }

    private static Duration positive(Duration shutdownTimeout) {
      requireNonNull(shutdownTimeout, "shutdownTimeout");
      if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
        throw new IllegalArgumentException("shutdownTimeout must be positive: " + shutdownTimeout);
      }
      return shutdownTimeout;
    }

    private static String nonBlank(String value, String name) {
      requireNonNull(value, name);
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return value.trim();
    }
  }
}
