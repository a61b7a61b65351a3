package dev.acitrace.bundle.internal;

import dev.acitrace.grpc.GrpcTraceBinPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider;

/**
 * Makes {@link GrpcTraceBinPropagator} available to OpenTelemetry autoconfiguration as
 * {@code OTEL_PROPAGATORS=grpc-trace-bin} (alone, or e.g. {@code tracecontext,grpc-trace-bin,acitrace-baggage}
 * to speak to both W3C and gRPC/OpenCensus peers). It lives here for the reason
 * {@link AciBaggagePropagatorProvider} does. Not for public use.
 */
public final class GrpcTraceBinPropagatorProvider implements ConfigurablePropagatorProvider {

  /** The name to list in {@code otel.propagators}. */
  public static final String NAME = GrpcTraceBinPropagator.HEADER;

  /** For {@link java.util.ServiceLoader}. */
  public GrpcTraceBinPropagatorProvider() {}

  @Override
  public TextMapPropagator getPropagator(ConfigProperties config) {
    return GrpcTraceBinPropagator.getInstance();
  }

  @Override
  public String getName() {
    return NAME;
  }
}
