package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import org.junit.jupiter.api.Test;

class PrefixedBaggageCodecTest extends BaggageCodecConformanceTest {

  @Override
  BaggageCodec codec(BaggageLimits limits) {
    return PrefixedBaggageCodec.create(limits);
  }

  @Test
  void inject_writesOneHeaderPerEntry() {
    Baggage baggage = Baggage.builder()
        .put("request.id", "r 1,2")
        .put("user.id", "alice", BaggageEntryMetadata.create("ttl=5"))
        .build();

    Carrier carrier = inject(codec(), baggage);

    assertThat(carrier.headers).containsOnlyKeys("baggage-request.id", "baggage-user.id");
    assertThat(carrier.headers.get("baggage-request.id")).containsExactly("r%201%2C2");
    assertThat(carrier.headers.get("baggage-user.id")).containsExactly("alice;ttl=5");
    assertThat(codec().fields()).isEmpty();
  }

  @Test
  void headerName_escapesWhatGrpcMetadataKeysCannotHold() {
    assertThat(PrefixedBaggageCodec.headerName("request.id")).isEqualTo("baggage-request.id");
    assertThat(PrefixedBaggageCodec.headerName("my_key")).isEqualTo("baggage-my__key");
    assertThat(PrefixedBaggageCodec.headerName("User.Id")).isEqualTo("baggage-_55ser._49d");
    assertThat(PrefixedBaggageCodec.headerName("a!#$%&'*+^`|~")).isEqualTo("baggage-a_21_23_24_25_26_27_2a_2b_5e_60_7c_7e");
  }

  @Test
  void headerName_everyGeneratedKey_isAValidGrpcMetadataKeyAndComesBack() {
    BaggageGenerator generator = new BaggageGenerator(0x5EED_0004L);
    for (int i = 0; i < 10_000; i++) {
      String key = generator.key();
      String name = PrefixedBaggageCodec.headerName(key);
      assertThat(name).matches("[0-9a-z_.-]+");
      assertThat(PrefixedBaggageCodec.keyOf(name)).isEqualTo(key);
    }
  }

  @Test
  void extract_headerNames_areCaseInsensitive() {
    Baggage baggage = codec().extract(
        Carrier.of("Baggage-Request.Id", "r1", "BAGGAGE-_55SER", "u1"), Carrier.GETTER);

    assertThat(baggage.getEntryValue("request.id")).isEqualTo("r1");
    assertThat(baggage.getEntryValue("User")).isEqualTo("u1");
  }

  @Test
  void extract_malformedNamesAndValues_areSkippedAndOthersKept() {
    Baggage baggage = codec().extract(
        Carrier.of(
            "baggage-", "no key",
            "baggage-a_zz", "bad escape",
            "baggage-a_", "truncated escape",
            "baggage-a_61", "escaped although it needs none",
            "baggage-a_2c", "escapes a non-token character",
            "baggage-a b", "space in the name",
            "baggage-bad-value", "a b",
            "baggage-ctl", "x\u0001",
            "baggage-escape", "%zz",
            "baggage-good", "1",
            "baggage", "w3c header, not ours",
            "other", "x"),
        Carrier.GETTER);

    assertThat(entries(baggage)).containsOnlyKeys("good", "escape");
    assertThat(baggage.getEntryValue("escape")).isEqualTo("\uFFFDzz");
  }

  @Test
  void extract_duplicateKeys_lastWins() {
    Baggage baggage = codec().extract(
        Carrier.of("baggage-a", "1", "Baggage-A", "2", "baggage-b", "3"), Carrier.GETTER);

    assertThat(baggage.getEntryValue("a")).isEqualTo("2");
    assertThat(baggage.size()).isEqualTo(2);
  }

  @Test
  void extract_100KilobyteValue_isSkipped() {
    Baggage baggage = codec().extract(
        Carrier.of("baggage-big", "x".repeat(100 * 1024), "baggage-a", "1"), Carrier.GETTER);

    assertThat(entries(baggage)).containsOnlyKeys("a");
  }
}
