package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;

/**
 * Carries the OpenTelemetry {@link Context} inside {@link io.grpc.Context}, so that code which moves work
 * to another thread the gRPC way ({@link io.grpc.Context#wrap}, {@link io.grpc.Context#currentContextExecutor})
 * still continues the trace.
 *
 * <p>gRPC and OpenTelemetry keep their contexts in separate thread-local storages. acitrace bridges them at
 * the interceptors instead of replacing gRPC's storage JVM-wide (see docs/tracing-grpc.md, "Why the
 * contexts are bridged at the interceptor"): the server interceptor attaches both contexts around every
 * listener callback, the OpenTelemetry one also as a value of the gRPC one, and the client interceptor
 * starts its span in {@link #current()}.
 */
public final class GrpcContextBridge {

  private static final io.grpc.Context.Key<Context> OTEL_CONTEXT = io.grpc.Context.key("opentelemetry-context");
  private static final boolean GRPC_STORED_IN_OPENTELEMETRY = probeStorage();

  private GrpcContextBridge() {}

  /**
   * Whether gRPC keeps its context inside OpenTelemetry's ({@code grpc-context-override-opentelemetry},
   * which {@code opentelemetry-grpc-1.6} also carries, is on the path). Then each context is visible through
   * the other already, and acitrace's interceptors skip their own bridging. Probed once: gRPC picks its
   * context storage once per JVM.
   */
  public static boolean grpcStoredInOpenTelemetry() {
    return GRPC_STORED_IN_OPENTELEMETRY;
  }

  /** Attaching a gRPC context changes OpenTelemetry's current context only when gRPC stores it there. */
  private static boolean probeStorage() {
    Context before = Context.current();
    io.grpc.Context probe = io.grpc.Context.ROOT.withValue(OTEL_CONTEXT, Context.root());
    io.grpc.Context previous = probe.attach();
    try {
      return Context.current() != before;
    } finally {
      probe.detach(previous);
    }
  }

  /**
   * The OpenTelemetry context to trace in: {@link Context#current()} when it holds a span or baggage,
   * otherwise the one carried by the current {@link io.grpc.Context} (set by acitrace's server interceptor)
   * unless a context was made current on this thread explicitly (e.g. {@code Context.root()}, to start a
   * fresh trace), otherwise {@link Context#current()}.
   *
   * <p>"Holds a span or baggage" rather than "is not the root context": with
   * {@code grpc-context-override-opentelemetry} on the classpath, gRPC stores its own context inside
   * OpenTelemetry's, so on a thread reached through a gRPC-wrapped executor the current OpenTelemetry
   * context is not the root one, yet carries nothing to trace in.
   */
  public static Context current() {
    Context current = Context.current();
    if (Span.fromContextOrNull(current) != null || Baggage.fromContextOrNull(current) != null) {
      return current;
    }
    Context carried = OTEL_CONTEXT.get();
    if (carried == null) {
      return current;
    }
    // A context made current on this thread, even an empty one (a handler making Context.root() current
    // to start a fresh trace), is an explicit choice and wins. Only where nothing is attached (a thread
    // reached through io.grpc.Context.currentContextExecutor) does the carried context apply. With gRPC's
    // storage inside OpenTelemetry's every gRPC attach is an OpenTelemetry attach, so the test means nothing.
    if (!GRPC_STORED_IN_OPENTELEMETRY && ContextStorage.get().current() != null) {
      return current;
    }
    return carried;
  }

  /** {@code grpcContext} with {@code otelContext} attached as a value. */
  public static io.grpc.Context withOpenTelemetry(io.grpc.Context grpcContext, Context otelContext) {
    requireNonNull(grpcContext, "grpcContext");
    requireNonNull(otelContext, "otelContext");
    return grpcContext.withValue(OTEL_CONTEXT, otelContext);
  }

  /** The OpenTelemetry context carried by {@code grpcContext}, or {@code null}. */
  public static Context fromGrpc(io.grpc.Context grpcContext) {
    requireNonNull(grpcContext, "grpcContext");
    return OTEL_CONTEXT.get(grpcContext);
  }
}
