package dev.acitrace.bench;

/**
 * The SDK floor with the attributes the RPC conventions require of every gRPC span
 * ({@link SdkFloorTracing#withConventionAttributes()}): the least a conventions-following instrumentation
 * pays per call on the SDK. Sampled and unsampled like every {@link SampledGrpcCallBenchmark}; the interleaved
 * run measures it sampled ({@code sdk-floor-attrs-sampled}).
 */
public class SdkFloorAttributesBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withConventionAttributes();
  }
}
