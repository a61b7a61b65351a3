package dev.acitrace.bench;

/** OpenTelemetry's {@code W3CBaggagePropagator}: the throughput the target is measured against. */
public class W3CBaggagePropagatorBenchmark extends BaggageCodecBenchmark {

  @Override
  BaggageCodecVariant codec() {
    return new OtelBaggageCodec();
  }
}
