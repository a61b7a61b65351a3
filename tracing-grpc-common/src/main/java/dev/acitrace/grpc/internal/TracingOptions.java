package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.Providers;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.api.spi.SpanNamerProvider;
import dev.acitrace.grpc.RpcSemconv;
import dev.acitrace.grpc.StatusRule;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The options the client and server builders share, validated as they are set. The public builders
 * delegate to one of these; {@link #build} resolves defaults (configuration, SPI providers) once.
 */
public final class TracingOptions {

  private final OpenTelemetry openTelemetry;
  private TracingConfig config;
  private SpanNamer spanNamer;
  private List<AttributeEnricher> enrichers;
  private StatusRule statusRule;
  private boolean messageEvents;
  private boolean samplingAttributes;
  private List<String> requestMetadata = List.of();
  private List<String> responseMetadata = List.of();
  private Predicate<RpcMethod> methodFilter = method -> true;

  /** Options for tracing with {@code openTelemetry}; {@code defaultStatusRule} is the side's default. */
  public TracingOptions(OpenTelemetry openTelemetry, StatusRule defaultStatusRule) {
    this.openTelemetry = requireNonNull(openTelemetry, "openTelemetry");
    this.statusRule = requireNonNull(defaultStatusRule, "defaultStatusRule");
  }

  /** The OpenTelemetry instance. */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Sets where defaults are read from. */
  public void config(TracingConfig config) {
    this.config = requireNonNull(config, "config");
  }

  /** The configuration set, or the environment's. */
  public TracingConfig config() {
    return config != null ? config : TracingConfig.fromEnvironment();
  }

  /** Sets the span namer. */
  public void spanNamer(SpanNamer spanNamer) {
    this.spanNamer = requireNonNull(spanNamer, "spanNamer");
  }

  /** Sets the enrichers, replacing the discovered ones. */
  public void enrichers(Collection<? extends AttributeEnricher> enrichers) {
    requireNonNull(enrichers, "enrichers");
    List<AttributeEnricher> copy = new ArrayList<>(enrichers.size());
    for (AttributeEnricher enricher : enrichers) {
      copy.add(requireNonNull(enricher, "enrichers element"));
    }
    this.enrichers = List.copyOf(copy);
  }

  /** Sets the status rule. */
  public void statusRule(StatusRule statusRule) {
    this.statusRule = requireNonNull(statusRule, "statusRule");
  }

  /** Turns message events on or off. */
  public void messageEvents(boolean messageEvents) {
    this.messageEvents = messageEvents;
  }

  /** Whether the constant attributes go to the span builder, where samplers see them. */
  public void samplingAttributes(boolean samplingAttributes) {
    this.samplingAttributes = samplingAttributes;
  }

  /** Sets the request metadata keys to capture; validated now, so a bad key fails naming the setter. */
  public void requestMetadata(Collection<String> keys) {
    this.requestMetadata = MetadataCapture.validate(keys, "captureRequestMetadata");
  }

  /** Sets the response metadata keys to capture; validated now, so a bad key fails naming the setter. */
  public void responseMetadata(Collection<String> keys) {
    this.responseMetadata = MetadataCapture.validate(keys, "captureResponseMetadata");
  }

  /** Sets the method filter. */
  public void methodFilter(Predicate<RpcMethod> methodFilter) {
    this.methodFilter = requireNonNull(methodFilter, "methodFilter");
  }

  /**
   * Resolves every default and returns the immutable settings.
   *
   * @param scopeName the instrumentation scope name of the tracer
   */
  public TracingSettings build(RpcSide side, String scopeName) {
    TracingConfig resolvedConfig = config();
    SpanNamer namer = spanNamer != null ? spanNamer
        : Providers.select(SpanNamerProvider.class, resolvedConfig, SpanNamerProvider.CONFIG_KEY)
            .map(provider -> provider.create(resolvedConfig))
            .orElse(SpanNamer.DEFAULT);
    List<AttributeEnricher> resolvedEnrichers =
        enrichers != null ? enrichers : defaultEnrichers(resolvedConfig);
    RpcSemconv.Mode mode = RpcSemconv.Mode.fromConfig(resolvedConfig);
    return new TracingSettings(
        openTelemetry.getTracer(scopeName),
        openTelemetry.getPropagators().getTextMapPropagator(),
        side, namer, methodFilter, resolvedEnrichers, statusRule, messageEvents, samplingAttributes,
        MetadataCapture.of(requestMetadata, true, mode),
        MetadataCapture.of(responseMetadata, false, mode),
        mode);
  }

  /** Every {@link AttributeEnricherProvider} found, in order, minus those disabled by configuration. */
  public static List<AttributeEnricher> defaultEnrichers(TracingConfig config) {
    Set<String> disabled = Set.copyOf(config.getList(AttributeEnricherProvider.DISABLED_KEY));
    List<AttributeEnricher> result = new ArrayList<>();
    for (AttributeEnricherProvider provider : Providers.all(AttributeEnricherProvider.class)) {
      if (!disabled.contains(provider.name())) {
        result.add(requireNonNull(provider.create(config),
            () -> "AttributeEnricherProvider '" + provider.name() + "' created null"));
      }
    }
    return List.copyOf(result);
  }
}
