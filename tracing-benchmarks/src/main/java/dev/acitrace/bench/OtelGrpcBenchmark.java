package dev.acitrace.bench;

import org.openjdk.jmh.annotations.Param;

/** OpenTelemetry's {@code GrpcTelemetry} client and server interceptors, sampled and unsampled. */
public class OtelGrpcBenchmark extends GrpcCallBenchmark {

  /** Always-on ({@code true}) or always-off ({@code false}) sampling. */
  @Param({"true", "false"})
  public boolean sampled;

  @Override
  GrpcTracingVariant variant() {
    return new OtelGrpcTracing();
  }

  @Override
  boolean sampled() {
    return sampled;
  }
}
