package dev.acitrace.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * acitrace's interceptors (as {@link OursGrpcBenchmark}) with RPC metrics on: the same SDK, now with a meter provider and one periodic reader whose exporter
 * drops what it gets ({@link TracingSdk}), so both variants record their RPC metrics into the same
 * aggregation. Sampled and unsampled.
 */
public class OursGrpcMetricsBenchmark extends GrpcCallBenchmark {

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

  @Override
  boolean metrics() {
    return true;
  }
}
