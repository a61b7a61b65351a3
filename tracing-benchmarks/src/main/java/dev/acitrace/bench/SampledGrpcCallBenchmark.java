package dev.acitrace.bench;

import org.openjdk.jmh.annotations.Param;

/**
 * A {@link GrpcCallBenchmark} run sampled and unsampled: the {@code sampled} parameter every traced
 * variant shares (selected with {@code -p sampled=true|false}). Subclasses only say which variant, and
 * whether metrics are on.
 */
public abstract class SampledGrpcCallBenchmark extends GrpcCallBenchmark {

  /** Always-on ({@code true}) or always-off ({@code false}) sampling. */
  @Param({"true", "false"})
  public boolean sampled;

  @Override
  final boolean sampled() {
    return sampled;
  }
}
