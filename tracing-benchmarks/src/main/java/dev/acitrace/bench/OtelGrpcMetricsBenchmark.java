package dev.acitrace.bench;

/**
 * OpenTelemetry's {@code GrpcTelemetry} (as {@link OtelGrpcBenchmark}) with RPC metrics on: the same SDK, now with a meter provider and one periodic reader whose exporter
 * drops what it gets ({@link TracingSdk}), so both variants record their RPC metrics into the same
 * aggregation. Sampled and unsampled.
 */
public class OtelGrpcMetricsBenchmark extends OtelGrpcBenchmark {

  @Override
  boolean metrics() {
    return true;
  }
}
