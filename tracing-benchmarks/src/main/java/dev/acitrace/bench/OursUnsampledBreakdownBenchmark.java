package dev.acitrace.bench;

import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import org.openjdk.jmh.annotations.Param;

/**
 * Where acitrace's unsampled cost goes: the same unsampled calls as {@link OursGrpcBenchmark}, with one part
 * of acitrace's work taken away per configuration. The difference to {@code full} is what that part costs
 * inside a real call. Not part of the suite {@code bench/run} judges; run it by hand (docs/benchmarks.md).
 *
 * <ul>
 *   <li>{@code full}: what {@link OursGrpcBenchmark} measures, unsampled;
 *   <li>{@code noRequestIds}: without the request-id policy;
 *   <li>{@code traceContextOnly} / {@code baggageOnly}: one of the two propagators only;
 *   <li>{@code noPropagation}: a propagator that does nothing (spans and contexts only);
 *   <li>{@code filtered}: both interceptors installed, every method filtered out (their fixed cost).
 * </ul>
 */
public class OursUnsampledBreakdownBenchmark extends GrpcCallBenchmark {

  /** Which part of acitrace's work is left out. */
  @Param({"full", "noRequestIds", "traceContextOnly", "baggageOnly", "noPropagation", "filtered"})
  public String config;

  @Override
  GrpcTracingVariant variant() {
    return new Variant(config);
  }

  @Override
  boolean sampled() {
    return false;
  }

  static final class Variant implements GrpcTracingVariant {
    private final String config;

    Variant(String config) {
      this.config = config;
    }

    @Override
    public TextMapPropagator propagator() {
      switch (config) {
        case "traceContextOnly":
          return W3CTraceContextPropagator.getInstance();
        case "baggageOnly":
          return AciBaggagePropagator.create();
        case "noPropagation":
          return TextMapPropagator.noop();
        default:
          return new OursGrpcTracing().propagator();
      }
    }

    @Override
    public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
      GrpcServerTracing.Builder builder = GrpcServerTracing.builder(openTelemetry);
      if (config.equals("noRequestIds")) {
        builder.noRequestIds();
      }
      if (config.equals("filtered")) {
        builder.methodFilter(method -> false);
      }
      builder.build().applyTo(server);
    }

    @Override
    public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
      GrpcClientTracing.Builder builder = GrpcClientTracing.builder(openTelemetry);
      if (config.equals("filtered")) {
        builder.methodFilter(method -> false);
      }
      builder.build().applyTo(channel);
    }
  }
}
