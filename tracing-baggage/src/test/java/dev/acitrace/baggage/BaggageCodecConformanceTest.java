package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BaggageCodec} must do. Each codec's test class extends this one and adds what is
 * particular to its wire format.
 */
abstract class BaggageCodecConformanceTest {

  static final int GENERATED = 10_000;

  /** The codec under test with the given limits. */
  abstract BaggageCodec codec(BaggageLimits limits);

  final BaggageCodec codec() {
    return codec(BaggageLimits.W3C);
  }

  /** Entries as key -> [value, properties], for comparisons that ignore the Baggage implementation. */
  static Map<String, List<String>> entries(Baggage baggage) {
    Map<String, List<String>> entries = new LinkedHashMap<>();
    baggage.forEach((key, entry) -> entries.put(key, List.of(entry.getValue(), entry.getMetadata().getValue())));
    return entries;
  }

  Carrier inject(BaggageCodec codec, Baggage baggage) {
    Carrier carrier = new Carrier();
    codec.inject(baggage, carrier, Carrier.SETTER);
    return carrier;
  }

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.baggage");
  }

  @Test
  void roundTrip_generatedBaggages_comeBackIdentical() {
    BaggageGenerator generator = new BaggageGenerator(0x5EED_0001L);
    BaggageCodec codec = codec();
    int nonEmpty = 0;
    for (int i = 0; i < GENERATED; i++) {
      Baggage baggage = generator.baggage(10);
      assertThat(BaggageGenerator.w3cSize(baggage)).isLessThanOrEqualTo(BaggageLimits.W3C.maxBytes());
      Carrier carrier = inject(codec, baggage);
      Baggage back = codec.extract(carrier, Carrier.GETTER);
      assertThat(entries(back)).as("baggage #%d via %s", i, carrier).isEqualTo(entries(baggage));
      nonEmpty += baggage.isEmpty() ? 0 : 1;
    }
    assertThat(nonEmpty).isGreaterThan(GENERATED * 8 / 10);
  }

  @Test
  void roundTrip_valuesThatBreakNaiveCodecs_comeBackIdentical() {
    List<String> values = List.of(
        "", " ", "  leading and trailing  ", "a,b", "a;b", "a=b", "100%", "%20", "%zz", "a+b", "\"quoted\"",
        "back\\slash", "tab\there", "line\nbreak", "\u0000", "\u007f", "Grüße", "日本語", "😀🚀",
        "mixed 😀, é; %41=\u0001");
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i < values.size(); i++) {
      builder.put("k" + i, values.get(i));
    }
    Baggage baggage = builder.build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(entries(back)).isEqualTo(entries(baggage));
  }

  @Test
  void roundTrip_properties_arePreservedVerbatim() {
    Baggage baggage = Baggage.builder()
        .put("a", "1", BaggageEntryMetadata.create("ttl=30"))
        .put("b", "2", BaggageEntryMetadata.create("p1;p2=x;p3"))
        .put("c", "3")
        .build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(back.getEntry("a").getMetadata().getValue()).isEqualTo("ttl=30");
    assertThat(back.getEntry("b").getMetadata().getValue()).isEqualTo("p1;p2=x;p3");
    assertThat(back.getEntry("c").getMetadata().getValue()).isEmpty();
  }

  @Test
  void inject_emptyBaggage_writesNothing() {
    assertThat(inject(codec(), Baggage.empty()).headers).isEmpty();
  }

  @Test
  void extract_nothingThere_isEmpty() {
    assertThat(codec().extract(new Carrier(), Carrier.GETTER).isEmpty()).isTrue();
    assertThat(codec().extract(null, Carrier.GETTER).isEmpty()).isTrue();
    assertThat(codec().extract(new Carrier(), null).isEmpty()).isTrue();
  }

  @Test
  void inject_invalidKeys_areSkippedAndOthersKept() {
    Baggage baggage = Baggage.builder()
        .put("good", "1")
        .put("bad key", "2")
        .put("bad,key", "3")
        .put("ключ", "4")
        .put("also-good", "5")
        .build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(entries(back).keySet()).containsExactlyInAnyOrder("good", "also-good");
  }

  @Test
  void inject_metadataThatCannotBeWritten_skipsThatEntry() {
    Baggage baggage = Baggage.builder()
        .put("a", "1", BaggageEntryMetadata.create("x,y"))
        .put("b", "2", BaggageEntryMetadata.create("ü"))
        .put("c", "3", BaggageEntryMetadata.create("fine"))
        .build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(entries(back)).containsOnlyKeys("c");
  }

  @Test
  void inject_unpairedSurrogate_travelsAsReplacementCharacter() {
    Baggage baggage = Baggage.builder().put("k", "a\uD800b\uDC00").build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(back.getEntryValue("k")).isEqualTo("a\uFFFDb\uFFFD");
  }

  @Test
  void inject_moreMembersThanTheLimit_writesTheFirstWholeOnes() {
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i < 100; i++) {
      builder.put(String.format("k%03d", i), "v" + i);
    }
    Baggage baggage = builder.build();

    Baggage back = codec(BaggageLimits.W3C).extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(back.size()).isEqualTo(64);
    back.forEach((key, entry) -> assertThat(entry.getValue()).isEqualTo(baggage.getEntryValue(key)));
  }

  @Test
  void inject_moreBytesThanTheLimit_dropsWholeMembersAndKeepsWhatFits() {
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i < 20; i++) {
      builder.put(String.format("k%02d", i), "x".repeat(1000)); // 1004 bytes each
    }
    builder.put("small", "fits"); // sorts after the big ones: skipping a big one must not stop it
    Baggage baggage = builder.build();
    BaggageCodec wide = codec(new BaggageLimits(1000, 1_000_000));

    Carrier carrier = inject(codec(), baggage);
    Baggage back = wide.extract(carrier, Carrier.GETTER);

    assertThat(back.size()).isEqualTo(9); // 8 x 1004 + 7 separators + "small=fits" + 1 = 8050
    assertThat(back.getEntryValue("small")).isEqualTo("fits");
    back.forEach((key, entry) -> assertThat(entry.getValue()).isEqualTo(baggage.getEntryValue(key)));
    assertThat(BaggageGenerator.w3cSize(back)).isLessThanOrEqualTo(8192);
  }

  @Test
  void inject_aSingleValueOverTheLimit_isDropped() {
    Baggage baggage = Baggage.builder().put("huge", "é".repeat(5000)).put("ok", "1").build();

    Baggage back = codec(new BaggageLimits(1000, 1_000_000)).extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(entries(back)).containsOnlyKeys("ok");
  }

  @Test
  void limits_areConfigurable_onInjectAndExtract() {
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i < 10; i++) {
      builder.put("k" + i, "value" + i);
    }
    Baggage baggage = builder.build();
    BaggageCodec small = codec(new BaggageLimits(3, 1000));
    BaggageCodec tiny = codec(new BaggageLimits(100, 20)); // "k0=value0" is 9 bytes: two fit with a separator
    BaggageCodec wide = codec(BaggageLimits.W3C);

    assertThat(wide.extract(inject(small, baggage), Carrier.GETTER).size()).isEqualTo(3);
    assertThat(small.extract(inject(wide, baggage), Carrier.GETTER).size()).isEqualTo(3);
    assertThat(wide.extract(inject(tiny, baggage), Carrier.GETTER).size()).isEqualTo(2);
    assertThat(tiny.extract(inject(wide, baggage), Carrier.GETTER).size()).isEqualTo(2);
  }

  @Test
  void extract_overTheLimits_keepsWholeMembersWithinTheLimits() {
    BaggageGenerator generator = new BaggageGenerator(0x5EED_0002L);
    BaggageCodec unlimited = codec(new BaggageLimits(100_000, 10_000_000));
    BaggageBuilder builder = Baggage.builder();
    for (int i = 0; i < 10_000; i++) {
      builder.put(generator.key() + i, generator.value(8));
    }
    Baggage baggage = builder.build();
    Carrier carrier = inject(unlimited, baggage);

    Baggage back = codec().extract(carrier, Carrier.GETTER);

    assertThat(back.size()).isBetween(1, 64);
    assertThat(BaggageGenerator.w3cSize(back)).isLessThanOrEqualTo(8192);
    back.forEach((key, entry) -> assertThat(entry.getValue()).isEqualTo(baggage.getEntryValue(key)));
  }

  @Test
  void extract_getterThatThrows_returnsEmptyAndDoesNotThrow() {
    TextMapGetter<Carrier> broken = new TextMapGetter<>() {
      @Override
      @SuppressWarnings("deprecation")
      public Iterable<String> keys(Carrier carrier) {
        throw new IllegalStateException("broken carrier");
      }

      @Override
      public String get(Carrier carrier, String key) {
        throw new IllegalStateException("broken carrier");
      }

      @Override
      public Iterator<String> getAll(Carrier carrier, String key) {
        throw new IllegalStateException("broken carrier");
      }
    };

    assertThatCode(() -> assertThat(codec().extract(new Carrier(), broken).isEmpty()).isTrue())
        .doesNotThrowAnyException();
  }

  @Test
  void extract_returnsABaggageThatBehavesLikeOpenTelemetrys() {
    Baggage baggage = Baggage.builder().put("b", "2").put("a", "1", BaggageEntryMetadata.create("p")).build();

    Baggage back = codec().extract(inject(codec(), baggage), Carrier.GETTER);
    Baggage again = codec().extract(inject(codec(), baggage), Carrier.GETTER);

    assertThat(back).isEqualTo(again).hasSameHashCodeAs(again);
    assertThat(back).isNotEqualTo(codec().extract(inject(codec(), baggage.toBuilder().put("b", "x").build()), Carrier.GETTER));
    assertThat(entries(back)).isEqualTo(entries(baggage));
    assertThat(back.asMap().keySet()).containsExactly("a", "b");
    assertThat(back.getEntryValue("a")).isEqualTo("1");
    assertThat(back.getEntryValue("missing")).isNull();
    assertThat(back.toBuilder().put("c", "3").build().size()).isEqualTo(3);
    assertThat(entries(back.toBuilder().build())).isEqualTo(entries(baggage));
  }
}
