package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.api.spi.SpanNamerProvider;
import dev.acitrace.grpc.StatusRule;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The options the client and server tracing builders share, written once: {@code GrpcClientTracing.Builder}
 * and {@code GrpcServerTracing.Builder} extend this class and add only what is theirs. Setters validate as
 * they are called; {@link #instrumenter} resolves defaults (configuration, SPI providers) once, at build time.
 *
 * <p>The class sits in the internal package, so only its public setters are API (through the two builders);
 * the hooks for metrics and attempt tracing ({@link #callListener}, {@link #attemptTracing}) are static and
 * reachable only from the modules this package is exported to. Not for public use otherwise.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class TracingBuilder<B extends TracingBuilder<B>> {

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
  CallListener callListener; // set through TracingHooks
  AttemptTracing attemptTracing; // set through TracingHooks

  /** Options for tracing with {@code openTelemetry}; {@code defaultStatusRule} is the side's default. */
  protected TracingBuilder(OpenTelemetry openTelemetry, StatusRule defaultStatusRule) {
    this.openTelemetry = requireNonNull(openTelemetry, "openTelemetry");
    this.statusRule = requireNonNull(defaultStatusRule, "defaultStatusRule");
  }

  /** This builder, as its concrete type. */
  protected abstract B self();

  /**
   * Where defaults are read from ({@code acitrace.span.namer}, {@code acitrace.enrichers.disabled},
   * {@code otel.semconv-stability.opt-in}); default {@link TracingConfig#fromEnvironment()}.
   */
  public final B config(TracingConfig config) {
    this.config = requireNonNull(config, "config");
    return self();
  }

  /** The span namer; default: the {@code SpanNamerProvider} selected by configuration, else {@link SpanNamer#DEFAULT}. */
  public final B spanNamer(SpanNamer spanNamer) {
    this.spanNamer = requireNonNull(spanNamer, "spanNamer");
    return self();
  }

  /**
   * The attribute enrichers, replacing the default: every {@code AttributeEnricherProvider} found, in
   * order, minus those named in {@code acitrace.enrichers.disabled}.
   */
  public final B enrichers(Collection<? extends AttributeEnricher> enrichers) {
    requireNonNull(enrichers, "enrichers");
    List<AttributeEnricher> copy = new ArrayList<>(enrichers.size());
    for (AttributeEnricher enricher : enrichers) {
      copy.add(requireNonNull(enricher, "enrichers element"));
    }
    this.enrichers = List.copyOf(copy);
    return self();
  }

  /**
   * Which status codes mark a span ERROR; default {@link StatusRule#ALL_NON_OK} on clients and
   * {@link StatusRule#SERVER_FAULTS} (the semantic conventions' rule) on servers.
   */
  public final B statusRule(StatusRule statusRule) {
    this.statusRule = requireNonNull(statusRule, "statusRule");
    return self();
  }

  /** Whether each message sent and received adds an {@code rpc.message} event; default false. */
  public final B messageEvents(boolean messageEvents) {
    this.messageEvents = messageEvents;
    return self();
  }

  /**
   * Whether the constant attributes ({@code rpc.system}, {@code rpc.service}, {@code rpc.method}; on
   * clients also {@code server.address}, {@code server.port}) are given to the span builder, where samplers
   * see them. Default false: they are set on the started span, and only when it records, so unsampled calls
   * pay nothing for them; samplers still see the span name ({@code package.Service/Method}), kind and parent.
   */
  public final B samplingAttributes(boolean samplingAttributes) {
    this.samplingAttributes = samplingAttributes;
    return self();
  }

  /**
   * Request metadata keys (case-insensitive) whose values become span attributes
   * ({@code rpc.grpc.request.metadata.<key>}); binary keys are skipped. Default none.
   *
   * @throws IllegalArgumentException naming a key that is not a valid header name
   */
  public final B captureRequestMetadata(Collection<String> keys) {
    this.requestMetadata = MetadataCapture.validate(keys, "captureRequestMetadata");
    return self();
  }

  /**
   * Response metadata keys (headers and trailers) whose values become span attributes
   * ({@code rpc.grpc.response.metadata.<key>}). Default none.
   *
   * @throws IllegalArgumentException naming a key that is not a valid header name
   */
  public final B captureResponseMetadata(Collection<String> keys) {
    this.responseMetadata = MetadataCapture.validate(keys, "captureResponseMetadata");
    return self();
  }

  /**
   * Which methods are traced; default all. Evaluated once per method (so it must depend only on the
   * method). A method it rejects is passed through untouched: no span, no propagation, no request id.
   */
  public final B methodFilter(Predicate<RpcMethod> methodFilter) {
    this.methodFilter = requireNonNull(methodFilter, "methodFilter");
    return self();
  }

  /** The configuration set with {@link #config}, else the environment's; for a side's own keys. */
  protected final TracingConfig resolvedConfig() {
    return config != null ? config : TracingConfig.fromEnvironment();
  }

  /**
   * Resolves every default and returns the immutable instrumenter.
   *
   * @param scopeName the instrumentation scope name of the tracer
   */
  protected final RpcInstrumenter instrumenter(RpcSide side, String scopeName) {
    TracingConfig resolvedConfig = resolvedConfig();
    SpanNamer namer = spanNamer != null ? spanNamer
        : Providers.select(SpanNamerProvider.class, resolvedConfig, SpanNamerProvider.CONFIG_KEY)
            .map(provider -> provider.create(resolvedConfig))
            .orElse(SpanNamer.DEFAULT);
    List<AttributeEnricher> resolvedEnrichers =
        enrichers != null ? enrichers : defaultEnrichers(resolvedConfig);
    RpcSemconv.Mode mode = RpcSemconv.Mode.fromConfig(resolvedConfig);
    // RPC metrics, unless a listener was set explicitly or the meter provider records nothing
    CallListener listener = callListener != null ? callListener
        : RpcMetrics.createIfRecording(openTelemetry, scopeName, side, mode, statusRule::isError, resolvedEnrichers);
    return new RpcInstrumenter(
        openTelemetry.getTracer(scopeName),
        openTelemetry.getPropagators().getTextMapPropagator(),
        side, namer, methodFilter, resolvedEnrichers, statusRule, messageEvents, samplingAttributes,
        MetadataCapture.of(requestMetadata, true, mode),
        MetadataCapture.of(responseMetadata, false, mode),
        mode, listener, attemptTracing);
  }

  /** Every {@link AttributeEnricherProvider} found, in order, minus those disabled by configuration. */
  private static List<AttributeEnricher> defaultEnrichers(TracingConfig config) {
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
