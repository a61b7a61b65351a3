package dev.acitrace.bench;

/** OpenTelemetry's {@code GrpcTelemetry} client and server interceptors, sampled and unsampled. */
public class OtelGrpcBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return new OtelGrpcTracing();
  }
}
