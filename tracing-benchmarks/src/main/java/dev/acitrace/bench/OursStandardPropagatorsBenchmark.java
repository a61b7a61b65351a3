package dev.acitrace.bench;

import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import org.openjdk.jmh.annotations.Param;

/**
 * acitrace's interceptors with OpenTelemetry's own W3C propagators ({@code tracecontext,baggage}, what
 * anyone who configures OpenTelemetry themselves has) instead of acitrace's baggage propagator: the
 * interceptors' own cost must stay low whatever propagators the {@code OpenTelemetry} carries.
 */
public class OursStandardPropagatorsBenchmark extends GrpcCallBenchmark {

  /** Always-on ({@code true}) or always-off ({@code false}) sampling. */
  @Param({"true", "false"})
  public boolean sampled;

  @Override
  GrpcTracingVariant variant() {
    return new GrpcTracingVariant() {
      @Override
      public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
        GrpcServerTracing.create(openTelemetry).applyTo(server);
      }

      @Override
      public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
        GrpcClientTracing.create(openTelemetry).applyTo(channel);
      }
    }; // propagator(): the default, W3C_PROPAGATORS
  }

  @Override
  boolean sampled() {
    return sampled;
  }
}
