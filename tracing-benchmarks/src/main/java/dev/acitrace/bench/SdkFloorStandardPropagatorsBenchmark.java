package dev.acitrace.bench;

/**
 * The SDK floor ({@link SdkFloorTracing}) with OpenTelemetry's own W3C propagators: the floor under
 * {@link OursStandardPropagatorsBenchmark}.
 */
public class SdkFloorStandardPropagatorsBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withStandardPropagators();
  }
}
