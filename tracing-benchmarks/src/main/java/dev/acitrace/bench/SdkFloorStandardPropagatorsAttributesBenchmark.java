package dev.acitrace.bench;

/**
 * The SDK floor with OpenTelemetry's own W3C propagators and the conventions' span attributes
 * ({@link SdkFloorTracing#withStandardPropagatorsAndConventionAttributes()}): the least a conventions-following
 * instrumentation pays with {@code OTEL_PROPAGATORS=tracecontext,baggage}, the floor under
 * {@link OursStandardPropagatorsBenchmark}'s target. The interleaved run measures it sampled
 * ({@code sdk-floor-w3c-attrs-sampled}).
 */
public class SdkFloorStandardPropagatorsAttributesBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return SdkFloorTracing.withStandardPropagatorsAndConventionAttributes();
  }
}
