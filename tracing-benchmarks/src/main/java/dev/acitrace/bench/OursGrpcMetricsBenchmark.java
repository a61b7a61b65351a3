package dev.acitrace.bench;

/**
 * acitrace's interceptors (as {@link OursGrpcBenchmark}) with RPC metrics on: the same SDK, now with a meter provider and one periodic reader whose exporter
 * drops what it gets ({@link TracingSdk}), so both variants record their RPC metrics into the same
 * aggregation. Sampled and unsampled.
 */
public class OursGrpcMetricsBenchmark extends OursGrpcBenchmark {

  @Override
  boolean metrics() {
    return true;
  }
}
