package dev.acitrace.grpc.client;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.grpc.StatusRule;
import dev.acitrace.grpc.internal.TracingOptions;
import dev.acitrace.grpc.internal.TracingSettings;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Collection;
import java.util.function.Predicate;

/**
 * Tracing for gRPC clients: a {@code CLIENT} span per call, of every call type, with the caller's context
 * and baggage injected into the request headers by the {@link OpenTelemetry} instance's propagators.
 *
 * <pre>{@code
 * GrpcClientTracing tracing = GrpcClientTracing.builder(openTelemetry)
 *     .methodFilter(m -> !m.service().equals("grpc.health.v1.Health"))
 *     .build();
 * ManagedChannel channel = tracing.applyTo(ManagedChannelBuilder.forTarget(target)).build();
 * // or, with the global OpenTelemetry:
 * ManagedChannel channel = GrpcClientTracing.instrument(ManagedChannelBuilder.forTarget(target)).build();
 * }</pre>
 *
 * <p>An instance holds what was resolved at build time (tracer, propagator, span namer, enrichers, semantic
 * convention mode) and is cheap to share: every interceptor it creates uses the same per-method cache.
 */
public final class GrpcClientTracing {

  /** The instrumentation scope name of client spans. */
  public static final String INSTRUMENTATION_NAME = "dev.acitrace.grpc.client";

  /** The configuration key that turns attempt spans on when the builder does not say. */
  public static final String ATTEMPT_SPANS_KEY = "acitrace.grpc.attempt-spans";

  private final TracingSettings settings;
  private final String target;
  private final boolean attemptSpans;

  private GrpcClientTracing(TracingSettings settings, String target, boolean attemptSpans) {
    this.settings = settings;
    this.target = target;
    this.attemptSpans = attemptSpans;
  }

  /** A builder that traces with {@code openTelemetry}. */
  public static Builder builder(OpenTelemetry openTelemetry) {
    return new Builder(requireNonNull(openTelemetry, "openTelemetry"));
  }

  /** Tracing with {@code openTelemetry} and every default. */
  public static GrpcClientTracing create(OpenTelemetry openTelemetry) {
    return builder(openTelemetry).build();
  }

  /** Tracing with {@link GlobalOpenTelemetry} and every default. */
  public static GrpcClientTracing global() {
    return create(GlobalOpenTelemetry.get());
  }

  /**
   * Adds a client interceptor built on {@link GlobalOpenTelemetry} to {@code channelBuilder} (the Go
   * original's {@code WithClientTracing}).
   *
   * @return {@code channelBuilder}
   */
  public static <T extends ManagedChannelBuilder<?>> T instrument(T channelBuilder) {
    return global().applyTo(channelBuilder);
  }

  /**
   * Adds an interceptor of this tracing to {@code channelBuilder}. Add it last, so that it runs first and
   * its span covers the other interceptors.
   *
   * @return {@code channelBuilder}
   */
  public <T extends ManagedChannelBuilder<?>> T applyTo(T channelBuilder) {
    requireNonNull(channelBuilder, "channelBuilder");
    channelBuilder.intercept(newInterceptor());
    return channelBuilder;
  }

  /** A new client interceptor; all interceptors of one instance share its caches. */
  public ClientInterceptor newInterceptor() {
    return new TracingClientInterceptor(settings, target, attemptSpans);
  }

  /** Configures a {@link GrpcClientTracing}. Not thread-safe. */
  public static final class Builder {
    private final TracingOptions options;
    private String target;
    private Boolean attemptSpans;

    private Builder(OpenTelemetry openTelemetry) {
      options = new TracingOptions(openTelemetry, StatusRule.ALL_NON_OK);
    }

    /**
     * Where defaults are read from ({@code acitrace.span.namer}, {@code acitrace.enrichers.disabled},
     * {@code otel.semconv-stability.opt-in}); default {@link TracingConfig#fromEnvironment()}.
     */
    public Builder config(TracingConfig config) {
      options.config(config);
      return this;
    }

    /** The span namer; default: the {@code SpanNamerProvider} selected by configuration, else {@link SpanNamer#DEFAULT}. */
    public Builder spanNamer(SpanNamer spanNamer) {
      options.spanNamer(spanNamer);
      return this;
    }

    /**
     * The attribute enrichers, replacing the default: every {@code AttributeEnricherProvider} found, in
     * order, minus those named in {@code acitrace.enrichers.disabled}.
     */
    public Builder enrichers(Collection<? extends AttributeEnricher> enrichers) {
      options.enrichers(enrichers);
      return this;
    }

    /** Which status codes mark a span ERROR; default {@link StatusRule#ALL_NON_OK}. */
    public Builder statusRule(StatusRule statusRule) {
      options.statusRule(statusRule);
      return this;
    }

    /** Whether each message sent and received adds an {@code rpc.message} event; default false. */
    public Builder messageEvents(boolean messageEvents) {
      options.messageEvents(messageEvents);
      return this;
    }

    /**
     * Whether the constant attributes ({@code rpc.system}, {@code rpc.service}, {@code rpc.method}, {@code server.address}, {@code server.port}) are
     * given to the span builder, where samplers see them. Default false: they are set on the started span,
     * and only when it records, so unsampled calls pay nothing for them; samplers still see the span
     * name ({@code package.Service/Method}), kind and parent.
     */
    public Builder samplingAttributes(boolean samplingAttributes) {
      options.samplingAttributes(samplingAttributes);
      return this;
    }

    /**
     * Request metadata keys (case-insensitive) whose values become span attributes
     * ({@code rpc.grpc.request.metadata.<key>}); binary keys are skipped. Default none.
     *
     * @throws IllegalArgumentException naming a key that is not a valid header name
     */
    public Builder captureRequestMetadata(Collection<String> keys) {
      options.requestMetadata(keys);
      return this;
    }

    /**
     * Response metadata keys (headers and trailers) whose values become span attributes
     * ({@code rpc.grpc.response.metadata.<key>}). Default none.
     */
    public Builder captureResponseMetadata(Collection<String> keys) {
      options.responseMetadata(keys);
      return this;
    }

    /**
     * Which methods are traced; default all. Evaluated once per method (so it must depend only on the
     * method). A method it rejects is passed through untouched: no span, no header injection.
     */
    public Builder methodFilter(Predicate<RpcMethod> methodFilter) {
      options.methodFilter(methodFilter);
      return this;
    }

    /**
     * The channel's target ({@code unix:///run/x.sock}, {@code dns:///host:443}, {@code host:443}), for
     * {@code server.address} and {@code server.port}. By default they come from the channel's authority,
     * which is the socket path for {@code unix:} targets unless the authority was overridden.
     *
     * @throws IllegalArgumentException if {@code target} is blank
     */
    public Builder target(String target) {
      requireNonNull(target, "target");
      if (target.isBlank()) {
        throw new IllegalArgumentException("target: must not be blank");
      }
      this.target = target;
      return this;
    }

    /**
     * Whether each attempt of a call (the first, every retry and hedge of a retry or hedging policy, every
     * transparent retry) gets its own {@code CLIENT} span, child of the call's span, with the trace context
     * injected per attempt so that each server span is the child of its attempt; the call's span then also
     * records gRPC's name-resolution and load-balancer-pick delays as events. Default: the configuration
     * key {@value GrpcClientTracing#ATTEMPT_SPANS_KEY}, else false (one span per call, as without it).
     */
    public Builder attemptSpans(boolean attemptSpans) {
      this.attemptSpans = attemptSpans;
      return this;
    }

    /** Resolves the defaults and builds. */
    public GrpcClientTracing build() {
      boolean attempts = attemptSpans != null ? attemptSpans
          : options.config().getBoolean(ATTEMPT_SPANS_KEY, false);
      return new GrpcClientTracing(options.build(RpcSide.CLIENT, INSTRUMENTATION_NAME), target, attempts);
    }
  }
}
