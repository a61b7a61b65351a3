package dev.acitrace.grpc.client;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.RpcSide;
import dev.acitrace.grpc.StatusRule;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracingBuilder;
import dev.acitrace.grpc.internal.TracingHooks;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

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

  private final RpcInstrumenter instrumenter;
  private final String target;

  private GrpcClientTracing(RpcInstrumenter instrumenter, String target) {
    this.instrumenter = instrumenter;
    this.target = target;
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
    return new TracingClientInterceptor(instrumenter, target);
  }

  /**
   * Configures a {@link GrpcClientTracing}: the options both sides share (inherited, see
   * {@link TracingBuilder}) and the channel {@link #target(String)}. Not thread-safe.
   */
  public static final class Builder extends TracingBuilder<Builder> {
    private String target;
    private Boolean attemptSpans;

    private Builder(OpenTelemetry openTelemetry) {
      super(openTelemetry, StatusRule.ALL_NON_OK);
    }

    @Override
    protected Builder self() {
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
     * key {@value GrpcClientTracing#ATTEMPT_SPANS_KEY}, else false (one span per call).
     */
    public Builder attemptSpans(boolean attemptSpans) {
      this.attemptSpans = attemptSpans;
      return this;
    }

    /** Resolves the defaults and builds. */
    public GrpcClientTracing build() {
      boolean attempts = attemptSpans != null ? attemptSpans
          : resolvedConfig().getBoolean(ATTEMPT_SPANS_KEY, false);
      if (attempts) {
        TracingHooks.attemptTracing(this, AttemptTracerFactory::new);
      }
      return new GrpcClientTracing(instrumenter(RpcSide.CLIENT, INSTRUMENTATION_NAME), target);
    }
  }
}
