package dev.acitrace.snapshotter.launcher;

import io.grpc.ClientInterceptor;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import java.io.PrintStream;
import java.util.Map;

/**
 * The launcher's one seam to the tracing bundle: how it initializes OpenTelemetry, instruments the
 * server and the client, and puts baggage in a context. Everything else in the launcher uses only
 * these four methods.
 *
 * <p>Until the bundle's APIs are merged, they delegate to {@link InterimTracing}, a deliberately small
 * stand-in (SDK with a span-tree printer; W3C trace-context + baggage interceptors without request ids
 * or semantic-convention attributes). Switching to the real APIs is one line per method; then delete
 * {@code InterimTracing}:
 * <ul>
 *   <li>{@link #initTracing}: {@code dev.acitrace.bundle.Tracing.init(...)} with the console exporter
 *       (demo) or the configured exporters (serve, incl. {@code OTEL_EXPORTER_OTLP_ENDPOINT});
 *   <li>{@link #instrumentServer}: {@code GrpcServerTracing.instrument(builder)} (server span and
 *       request-id interceptor);
 *   <li>{@link #clientInterceptor}: {@code GrpcClientTracing.builder(otel).build().newInterceptor()};
 *   <li>{@link #withBaggage}: {@code BaggageContext.withRequestId/withImageInfo/withNamespace}.
 * </ul>
 */
final class ServerWiring {

  private ServerWiring() {}

  /** Tracing for one run of the launcher; closing it flushes and shuts the SDK down. */
  interface TracingHandle extends AutoCloseable {
    OpenTelemetry openTelemetry();

    /** Where spans go when not printed to the console (e.g. "OTLP endpoint http://..."), or null. */
    String destination();

    @Override
    void close();
  }

  /**
   * Initializes OpenTelemetry for the launcher.
   *
   * @param serviceName the {@code service.name} resource attribute
   * @param demo true to print the finished trace as a tree on close, false to print each span as it ends
   * @param out where spans are printed
   */
  static TracingHandle initTracing(String serviceName, boolean demo, PrintStream out) {
    return InterimTracing.init(serviceName, demo, out);
  }

  /** Installs server tracing (server spans, context and baggage extraction) on a server builder. */
  static void instrumentServer(ServerBuilder<?> builder, OpenTelemetry openTelemetry) {
    builder.intercept(InterimTracing.serverInterceptor(openTelemetry));
  }

  /** A client interceptor that starts client spans and injects trace context and baggage. */
  static ClientInterceptor clientInterceptor(OpenTelemetry openTelemetry) {
    return InterimTracing.clientInterceptor(openTelemetry);
  }

  /** Returns {@code context} with the entries added to its baggage (standard keys of BaggageKeys). */
  static Context withBaggage(Context context, Map<String, String> entries) {
    var builder = Baggage.fromContext(context).toBuilder();
    entries.forEach(builder::put);
    return context.with(builder.build());
  }
}
