package dev.acitrace.bench;

/**
 * The SDK floor with the attributes the RPC conventions require of every gRPC span
 * ({@link SdkFloorTracing#withConventionAttributes()}), sampled: the least a conventions-following
 * instrumentation pays per call on the SDK.
 */
public class SdkFloorAttributesBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withConventionAttributes();
  }
}
