package dev.acitrace.bench;

/**
 * acitrace's interceptors with OpenTelemetry's own W3C propagators ({@code tracecontext,baggage}, what
 * anyone who configures OpenTelemetry themselves has) instead of acitrace's baggage propagator: the
 * interceptors' own cost must stay low whatever propagators the {@code OpenTelemetry} carries.
 */
public class OursStandardPropagatorsBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return OursGrpcTracing.withStandardPropagators();
  }
}
