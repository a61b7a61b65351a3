package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BaggageCodecTest {

  @ParameterizedTest
  @ValueSource(ints = {3, 30})
  void otelCodec_decodeOfTheSampleHeader_givesTheSampleBaggage(int entries) {
    Baggage baggage = BaggageSamples.of(entries);
    Context decoded = new OtelBaggageCodec().decode(new HeaderCarrier(BaggageSamples.header(baggage)));
    assertThat(Baggage.fromContext(decoded).asMap()).isEqualTo(baggage.asMap()).hasSize(entries);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 30})
  void otelBenchmark_encode_writesAHeaderThatDecodesBack(int entries) {
    W3CBaggagePropagatorBenchmark benchmark = new W3CBaggagePropagatorBenchmark();
    benchmark.entries = entries;
    benchmark.prepare();
    String header = benchmark.encode();
    Context decoded = new OtelBaggageCodec().decode(new HeaderCarrier(header));
    assertThat(Baggage.fromContext(decoded).asMap()).isEqualTo(BaggageSamples.of(entries).asMap());
    assertThat(Baggage.fromContext(benchmark.decode()).size()).isEqualTo(entries);
  }

  @Test
  void samples_haveAValueThatNeedsPercentEncoding() {
    assertThat(BaggageSamples.header(BaggageSamples.of(30))).contains("%20").hasSizeLessThan(8192);
  }

  @Test
  void samples_fewerThanThreeEntries_failNamingTheArgument() {
    assertThatThrownBy(() -> BaggageSamples.of(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entries");
  }
}
