package dev.acitrace.bench;

/** acitrace's W3C baggage codec. Runs only once {@link OursBaggageCodec} is filled in. */
public class OursBaggageCodecBenchmark extends BaggageCodecBenchmark {

  @Override
  BaggageCodecVariant codec() {
    return new OursBaggageCodec();
  }
}
