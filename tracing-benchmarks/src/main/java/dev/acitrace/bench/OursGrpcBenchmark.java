package dev.acitrace.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * acitrace's client and server interceptors, request id and baggage enricher, sampled and unsampled. Runs
 * only once {@link OursGrpcTracing} is filled in.
 */
public class OursGrpcBenchmark extends GrpcCallBenchmark {

  /** Always-on ({@code true}) or always-off ({@code false}) sampling. */
  @Param({"true", "false"})
  public boolean sampled;

  @Override
  GrpcTracingVariant variant() {
    return new OursGrpcTracing();
  }

  @Override
  boolean sampled() {
    return sampled;
  }
}
