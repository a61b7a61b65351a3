package dev.acitrace.bench;

/**
 * The SDK floor ({@link SdkFloorTracing}) with acitrace's propagators, sampled and unsampled: what two SDK spans
 * and the propagation cost per call, with none of an instrumentation's own work.
 */
public class SdkFloorBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withAcitracePropagators();
  }
}
