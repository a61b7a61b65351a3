package dev.acitrace.bench;

/**
 * The SDK floor ({@link SdkFloorTracing}) with OpenTelemetry's own W3C propagators: the floor under
 * {@link OursStandardPropagatorsBenchmark}. Sampled and unsampled like every {@link SampledGrpcCallBenchmark};
 * the interleaved run measures it sampled ({@code sdk-floor-w3c-sampled}).
 */
public class SdkFloorStandardPropagatorsBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withStandardPropagators();
  }
}
