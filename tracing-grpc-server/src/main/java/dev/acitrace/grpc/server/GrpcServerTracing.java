package dev.acitrace.grpc.server;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.RpcSide;
import dev.acitrace.grpc.StatusRule;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracingBuilder;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Collection;
import java.util.Set;

/**
 * Tracing for gRPC servers: a {@code SERVER} span per call, of every call type, continuing the trace and
 * baggage the caller propagated (extracted with the {@link OpenTelemetry} instance's propagators), and a
 * request id in baggage and on the span.
 *
 * <pre>{@code
 * Server server = GrpcServerTracing.builder(openTelemetry)
 *     .methodFilter(m -> !m.service().equals("grpc.health.v1.Health"))
 *     .build()
 *     .applyTo(ServerBuilder.forPort(8080).addService(service))
 *     .build();
 * // or, with the global OpenTelemetry and every default:
 * Server server = GrpcServerTracing.instrument(ServerBuilder.forPort(8080).addService(service)).build();
 * }</pre>
 *
 * <p>While the handler runs (its start and every listener callback), the extracted context with the server
 * span is current in OpenTelemetry's storage and carried by {@code io.grpc.Context}, so an outgoing call
 * made by the handler, on its thread or on another one reached through
 * {@code io.grpc.Context.currentContextExecutor} or OpenTelemetry's {@code Context.wrap}, continues the trace
 * with the same baggage (client side: {@code GrpcClientTracing}).
 */
public final class GrpcServerTracing {

  /** The instrumentation scope name of server spans. */
  public static final String INSTRUMENTATION_NAME = "dev.acitrace.grpc.server";

  private final RpcInstrumenter instrumenter;
  private final RequestIdServerInterceptor requestIds;
  private final Set<String> publicBaggage;
  /** Measures message sizes for the metrics, or null when they record none. */
  private final ServerSizes sizes;

  private GrpcServerTracing(RpcInstrumenter instrumenter, RequestIdServerInterceptor requestIds,
      Set<String> publicBaggage) {
    this.instrumenter = instrumenter;
    this.requestIds = requestIds;
    this.publicBaggage = publicBaggage;
    this.sizes = instrumenter.measuresSizes() ? new ServerSizes() : null;
  }

  /** A builder that traces with {@code openTelemetry}. */
  public static Builder builder(OpenTelemetry openTelemetry) {
    return new Builder(requireNonNull(openTelemetry, "openTelemetry"));
  }

  /** Tracing with {@code openTelemetry} and every default (request ids included). */
  public static GrpcServerTracing create(OpenTelemetry openTelemetry) {
    return builder(openTelemetry).build();
  }

  /** Tracing with {@link GlobalOpenTelemetry} and every default. */
  public static GrpcServerTracing global() {
    return create(GlobalOpenTelemetry.get());
  }

  /**
   * Adds tracing with request ids, built on {@link GlobalOpenTelemetry}, to {@code serverBuilder} (the Go
   * original's {@code WithServerTracing}, with the request id applied before the span starts so that the
   * span carries it).
   *
   * @return {@code serverBuilder}
   */
  public static <T extends ServerBuilder<?>> T instrument(T serverBuilder) {
    return global().applyTo(serverBuilder);
  }

  /**
   * Adds an interceptor of this tracing to {@code serverBuilder}. gRPC runs the interceptor added last
   * first: add this one last, so that its span covers the others and they run in its context. When RPC
   * metrics record message sizes (old conventions), also adds a stream tracer factory measuring them: an
   * interceptor added with {@link #newInterceptor()} alone records no sizes.
   *
   * @return {@code serverBuilder}
   */
  public <T extends ServerBuilder<?>> T applyTo(T serverBuilder) {
    requireNonNull(serverBuilder, "serverBuilder");
    if (sizes != null) {
      serverBuilder.addStreamTracerFactory(sizes);
    }
    serverBuilder.intercept(newInterceptor());
    return serverBuilder;
  }

  /** A new server interceptor; all interceptors of one instance share its caches. */
  public ServerInterceptor newInterceptor() {
    return new TracingServerInterceptor(instrumenter, requestIds, publicBaggage);
  }

  /**
   * Configures a {@link GrpcServerTracing}: the options both sides share (inherited, see
   * {@link TracingBuilder}), request ids and public-endpoint mode. Not thread-safe.
   */
  public static final class Builder extends TracingBuilder<Builder> {
    private RequestIdServerInterceptor requestIds = RequestIdServerInterceptor.create();
    /** Whether requestIds is still the default, whose baggage limits follow the configuration. */
    private boolean defaultRequestIds = true;
    private Set<String> publicBaggage;

    private Builder(OpenTelemetry openTelemetry) {
      super(openTelemetry, StatusRule.SERVER_FAULTS);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * The request-id policy the tracing interceptor applies before its span starts; default
     * {@link RequestIdServerInterceptor#create()}.
     */
    public Builder requestIds(RequestIdServerInterceptor requestIds) {
      this.requestIds = requireNonNull(requestIds, "requestIds");
      this.defaultRequestIds = false;
      return this;
    }

    /** Turns request ids off: the incoming baggage is passed on as it is and the span gets no id. */
    public Builder noRequestIds() {
      this.requestIds = null;
      this.defaultRequestIds = false;
      return this;
    }

    /**
     * Public-endpoint mode, for services facing untrusted callers: each call starts a new trace whose root
     * span links to the caller's span context, and only the baggage entries named in {@code keptBaggageKeys}
     * are kept (a caller-supplied {@code request.id} too is kept only if named). Default: off (the caller's
     * trace is continued and all its baggage kept).
     */
    public Builder publicEndpoint(Collection<String> keptBaggageKeys) {
      requireNonNull(keptBaggageKeys, "keptBaggageKeys");
      for (String key : keptBaggageKeys) {
        requireNonNull(key, "keptBaggageKeys element");
      }
      this.publicBaggage = Set.copyOf(keptBaggageKeys);
      return this;
    }

    /** Resolves the defaults and builds. */
    public GrpcServerTracing build() {
      if (defaultRequestIds) {
        // the id is made room for within the limits the baggage codec reads from the same configuration
        requestIds = RequestIdServerInterceptor.builder()
            .baggageLimits(dev.acitrace.baggage.BaggageLimits.fromConfig(resolvedConfig()))
            .build();
      }
      return new GrpcServerTracing(
          instrumenter(RpcSide.SERVER, INSTRUMENTATION_NAME), requestIds, publicBaggage);
    }
  }
}
