package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import java.util.List;
import org.junit.jupiter.api.Test;

class W3CBaggageCodecTest extends BaggageCodecConformanceTest {

  private static final W3CBaggagePropagator OTEL = W3CBaggagePropagator.getInstance();

  @Override
  BaggageCodec codec(BaggageLimits limits) {
    return W3CBaggageCodec.create(limits);
  }

  private static Baggage extract(String... headers) {
    Carrier carrier = new Carrier();
    for (String header : headers) {
      carrier.add("baggage", header);
    }
    return W3CBaggageCodec.create().extract(carrier, Carrier.GETTER);
  }

  // ---- wire format ---------------------------------------------------------------------------------

  @Test
  void inject_writesOneBaggageHeaderInKeyOrder() {
    Baggage baggage = Baggage.builder()
        .put("user.id", "alice")
        .put("request.id", "r 1,2;3%", BaggageEntryMetadata.create("ttl=5"))
        .put("image.name", "registry.example.com/app:1.0")
        .build();

    Carrier carrier = inject(codec(), baggage);

    assertThat(carrier.headers).containsOnlyKeys("baggage");
    assertThat(carrier.headers.get("baggage")).containsExactly(
        "image.name=registry.example.com/app:1.0,request.id=r%201%2C2%3B3%25;ttl=5,user.id=alice");
    assertThat(codec().fields()).containsExactly("baggage");
  }

  @Test
  void inject_encodesPlusAndNonAsciiAsUtf8PercentEscapes() {
    Carrier carrier = inject(codec(), Baggage.builder().put("k", "a+b é 😀").build());

    assertThat(carrier.headers.get("baggage")).containsExactly("k=a%2Bb%20%C3%A9%20%F0%9F%98%80");
  }

  @Test
  void inject_fromInsideAnotherInjectOnTheSameThread_bothHeadersComplete() {
    Baggage inner = Baggage.builder().put("inner", "i").build();
    Carrier innerCarrier = new Carrier();
    Baggage outer = new ForwardingBaggage(Baggage.builder().put("a", "1").put("b", "2").build()) {
      @Override
      public void forEach(java.util.function.BiConsumer<? super String, ? super io.opentelemetry.api.baggage.BaggageEntry> c) {
        // the thread's writer is in use here: a nested inject must not write into it
        codec().inject(inner, innerCarrier, Carrier.SETTER);
        super.forEach(c);
      }
    };

    Carrier carrier = inject(codec(), outer);

    assertThat(carrier.headers.get("baggage")).containsExactly("a=1,b=2");
    assertThat(innerCarrier.headers.get("baggage")).containsExactly("inner=i");
  }

  @Test
  void inject_afterALargeHeaderAndWithOtherLimits_onTheSameThread_writesEachHeaderAfresh() {
    io.opentelemetry.api.baggage.BaggageBuilder big = Baggage.builder();
    for (int i = 0; i < 70; i++) {
      big.put("k" + i, "\u00e9".repeat(40)); // 240 encoded bytes each: the writer's buffer grows past 16 KB
    }
    BaggageCodec wide = codec(new BaggageLimits(100, 1_000_000));
    assertThat(inject(wide, big.build()).headers.get("baggage").get(0)).hasSizeGreaterThan(16_384);

    Baggage small = Baggage.builder().put("a", "1").put("b", "2").put("c", "3").build();
    assertThat(inject(codec(new BaggageLimits(2, 8192)), small).headers.get("baggage")).containsExactly("a=1,b=2");
    assertThat(inject(codec(), small).headers.get("baggage")).containsExactly("a=1,b=2,c=3");
  }

  // ---- interoperability with OpenTelemetry's W3CBaggagePropagator ------------------------------------

  @Test
  void crossDecoding_otelEncodes_weDecode_generated() {
    BaggageGenerator generator = new BaggageGenerator(0x5EED_0003L);
    for (int i = 0; i < GENERATED; i++) {
      Baggage baggage = generator.baggage(10);
      Carrier carrier = new Carrier();
      OTEL.inject(Context.root().with(baggage), carrier, Carrier.SETTER);

      Baggage ours = codec().extract(carrier, Carrier.GETTER);

      assertThat(entries(ours)).as("baggage #%d via %s", i, carrier).isEqualTo(entries(baggage));
    }
  }

  @Test
  void crossDecoding_weEncode_otelDecodes_generated() {
    BaggageGenerator generator = new BaggageGenerator(0x5EED_0003L);
    for (int i = 0; i < GENERATED; i++) {
      Baggage baggage = generator.baggage(10);
      Carrier carrier = inject(codec(), baggage);

      Baggage theirs = Baggage.fromContext(OTEL.extract(Context.root(), carrier, Carrier.GETTER));

      assertThat(entries(theirs)).as("baggage #%d via %s", i, carrier).isEqualTo(entries(baggage));
    }
  }

  // malformed headers are cross-checked vector by vector in W3CBaggageGrammarTest

  // ---- malformed input ---------------------------------------------------------------------------------

  @Test
  void extract_truncatedMembers_areSkippedAndValidOnesKept() {
    assertThat(entries(extract("a=1,b"))).containsOnlyKeys("a");
    assertThat(entries(extract("a=1,b="))).containsOnlyKeys("a", "b");
    assertThat(extract("a=1,b=").getEntryValue("b")).isEmpty();
    assertThat(entries(extract("a"))).isEmpty();
    assertThat(entries(extract("a=1,c=3,"))).containsOnlyKeys("a", "c");
    assertThat(entries(extract(",,a=1,,"))).containsOnlyKeys("a");
  }

  @Test
  void extract_badPercentEscapes_decodeToReplacementCharacter() {
    assertThat(extract("a=%zz").getEntryValue("a")).isEqualTo("\uFFFDzz");
    assertThat(extract("a=x%4").getEntryValue("a")).isEqualTo("x\uFFFD4");
    assertThat(extract("a=x%").getEntryValue("a")).isEqualTo("x\uFFFD");
    assertThat(extract("a=%C3%28").getEntryValue("a")).isEqualTo("\uFFFD(");
    assertThat(extract("a=%E2%82").getEntryValue("a")).isEqualTo("\uFFFD");
    assertThat(extract("a=%FF%41").getEntryValue("a")).isEqualTo("\uFFFDA");
    assertThat(extract("a=%c3%a9").getEntryValue("a")).isEqualTo("é");
  }

  @Test
  void extract_emptyKeysAndInvalidKeys_areSkipped() {
    assertThat(entries(extract("=1,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract(" =1,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("k@=1,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("k y=1,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("ключ=1,b=2"))).containsOnlyKeys("b");
  }

  @Test
  void extract_controlCharactersAndOtherInvalidValueCharacters_skipTheMember() {
    assertThat(entries(extract("a=x\u0001y,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=x\u007fy,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=x\ny,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=b c,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=\"q\",b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=x\\y,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=ü,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=1;p\u0001,b=2"))).containsOnlyKeys("b");
    assertThat(entries(extract("a=1;p q,b=2"))).as("a space inside a property").containsOnlyKeys("b");
    assertThat(entries(extract("a=1;,b=2"))).as("an empty property").containsOnlyKeys("b");
  }

  @Test
  void extract_optionalWhitespace_isIgnoredAndPropertiesTrimmed() {
    Baggage baggage = extract(" k = v ; p ; q=1 \t,\tx=2 ");

    assertThat(baggage.getEntryValue("k")).isEqualTo("v");
    assertThat(baggage.getEntry("k").getMetadata().getValue()).isEqualTo("p ; q=1");
    assertThat(baggage.getEntryValue("x")).isEqualTo("2");
  }

  @Test
  void extract_duplicateKeys_lastWins() {
    assertThat(extract("a=1,b=2,a=3").getEntryValue("a")).isEqualTo("3");
    assertThat(extract("a=1", "a=2").getEntryValue("a")).isEqualTo("2");
    assertThat(extract("a=1,b=2,a=3").size()).isEqualTo(2);
  }

  @Test
  void extract_severalBaggageHeaders_areReadAsOneList() {
    Baggage baggage = extract("a=1,b=2", "c=3", "", "d=4;p");

    assertThat(entries(baggage)).containsOnlyKeys("a", "b", "c", "d");
    assertThat(baggage.getEntry("d").getMetadata().getValue()).isEqualTo("p");
  }

  @Test
  void extract_severalHeaders_shareOneLimit() {
    Carrier carrier = new Carrier();
    for (int h = 0; h < 10; h++) {
      StringBuilder header = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        header.append(header.length() == 0 ? "" : ",").append("h").append(h).append('k').append(i).append("=v");
      }
      carrier.add("baggage", header.toString());
    }

    assertThat(codec().extract(carrier, Carrier.GETTER).size()).isEqualTo(64);
  }

  @Test
  void extract_100KilobyteHeader_keepsWhatFitsTheLimits() {
    String big = "big=" + "x".repeat(100 * 1024);

    assertThat(entries(extract(big + ",a=1"))).containsOnlyKeys("a");
    assertThat(entries(extract("a=1," + big + ",b=2"))).containsOnlyKeys("a", "b");
    assertThat(entries(extract("junk".repeat(25 * 1024) + ",a=1"))).containsOnlyKeys("a");
  }

  @Test
  void extract_10000Members_keepsTheFirst64() {
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      header.append(i == 0 ? "" : ",").append('k').append(i).append('=').append(i);
    }

    Baggage baggage = extract(header.toString());

    assertThat(baggage.size()).isEqualTo(64);
    assertThat(baggage.getEntryValue("k0")).isEqualTo("0");
    assertThat(baggage.getEntryValue("k63")).isEqualTo("63");
    assertThat(baggage.getEntryValue("k64")).isNull();
  }

  @Test
  void extract_8192Bytes_isTheDefaultByteLimit() {
    String exactly = "k=" + "v".repeat(8190);

    assertThat(extract(exactly).getEntryValue("k")).hasSize(8190);
    assertThat(extract(exactly + "v").isEmpty()).isTrue();
  }

  @Test
  void extract_brokenEscapesAtTheByteLimit_countTheirReencodedSize_soTheNextInjectDropsNothing() {
    // 8,192 wire bytes in 40 members, each with one stray '%' that decodes to U+FFFD: nine bytes once
    // re-encoded, so the same entries need 8,512 bytes on the next inject
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 39; i++) {
      header.append(i == 0 ? "" : ",").append(String.format("k%02d=", i)).append("x".repeat(199)).append('%');
    }
    header.append(",k39=");
    header.append("x".repeat(8192 - header.length() - 1)).append('%');
    assertThat(header.length()).isEqualTo(8192);
    Baggage extracted = extract(header.toString());
    Carrier carrier = inject(codec(), extracted);

    assertThat(extracted.size()).as("members kept on extract").isLessThan(40).isGreaterThan(30);
    assertThat(carrier.headers.get("baggage").get(0).length()).isLessThanOrEqualTo(8192);
    assertThat(codec().extract(carrier, Carrier.GETTER).size()).as("what the next inject sends")
        .isEqualTo(extracted.size());
    assertThat(BaggageGenerator.w3cSize(extracted)).isLessThanOrEqualTo(8192);
  }

  @Test
  void extract_plusSignsAtTheByteLimit_countAsTheirEscapes() {
    Baggage extracted = extract("a=1,k=" + "+".repeat(8000));
    assertThat(extracted.getEntryValue("k")).as("24,002 bytes once written: does not fit").isNull();
    assertThat(extracted.getEntryValue("a")).isEqualTo("1");
  }

  @Test
  void extract_duplicateKeys_takeOneMemberSlot() {
    StringBuilder header = new StringBuilder("d=1,d=2,d=3,d=4");
    for (int i = 0; i < 70; i++) {
      header.append(String.format(",k%02d=%d", i, i));
    }
    Baggage baggage = extract(header.toString());

    assertThat(baggage.size()).isEqualTo(64);
    assertThat(baggage.getEntryValue("d")).isEqualTo("4");
    assertThat(baggage.getEntryValue("k62")).as("63 distinct keys after d").isEqualTo("62");
    assertThat(baggage.getEntryValue("k63")).isNull();
  }

  @Test
  void extract_duplicateAfterTheMemberLimit_stillWins_newKeysDoNot() {
    StringBuilder header = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      header.append(i == 0 ? "" : ",").append(String.format("k%02d=%d", i, i));
    }
    header.append(",new=1,k00=last");
    Baggage baggage = extract(header.toString());

    assertThat(baggage.size()).isEqualTo(64);
    assertThat(baggage.getEntryValue("k00")).isEqualTo("last");
    assertThat(baggage.getEntryValue("new")).isNull();
  }

  @Test
  void extract_duplicates_byteLimitCountsTheLastValueOnly() {
    // a=<5000> takes 5,002 bytes; b=<3185> 3,187 more and a separator: 8,190 in all, if a=1 is not counted
    Baggage baggage = extract("a=1,a=" + "x".repeat(5000) + ",b=" + "y".repeat(3185));

    assertThat(baggage.getEntryValue("a")).hasSize(5000);
    assertThat(baggage.getEntryValue("b")).as("the replaced value no longer counts").hasSize(3185);
  }

  /** A baggage that hands everything to another one; tests override what they need. */
  // ---- per-thread reuse (writer's last header, one reader per thread) ---------------------------------

  @Test
  void inject_sameBaggageAgain_sameHeader_andAnotherCodecsLimitsStillApply() {
    Baggage baggage = Baggage.builder().put("a", "1").put("b", "2").build();
    W3CBaggageCodec oneMember = W3CBaggageCodec.create(new BaggageLimits(1, 8192));

    assertThat(inject(codec(), baggage).headers.get("baggage")).containsExactly("a=1,b=2");
    assertThat(inject(codec(), baggage).headers.get("baggage")).containsExactly("a=1,b=2");
    // the header this thread wrote last for the same baggage was made under other limits
    assertThat(inject(oneMember, baggage).headers.get("baggage")).containsExactly("a=1");
    assertThat(inject(codec(), baggage.toBuilder().put("c", "3").build()).headers.get("baggage"))
        .containsExactly("a=1,b=2,c=3");
  }

  @Test
  void extract_twiceOnOneThread_theFirstResultKeepsItsEntries() {
    Baggage first = extract("a=1,b=2,c=3");
    Baggage second = extract("x=9");

    assertThat(first.size()).isEqualTo(3);
    assertThat(first.getEntryValue("a")).isEqualTo("1");
    assertThat(first.getEntryValue("c")).isEqualTo("3");
    assertThat(first.getEntryValue("x")).isNull();
    assertThat(second.size()).isEqualTo(1);
    assertThat(second.getEntryValue("x")).isEqualTo("9");
    assertThat(second.getEntryValue("a")).isNull();
  }

  @Test
  void extract_keySeenBefore_andAnEqualLengthOtherKey_bothRead() {
    // the key cache answers by hash slot: "Aa" and "BB" share String.hashCode, so one evicts the other
    assertThat(extract("Aa=1").getEntryValue("Aa")).isEqualTo("1");
    Baggage both = extract("Aa=1,BB=2");
    assertThat(both.getEntryValue("Aa")).isEqualTo("1");
    assertThat(both.getEntryValue("BB")).isEqualTo("2");
    assertThat(both.size()).isEqualTo(2);
  }

  private static class ForwardingBaggage implements Baggage {
    private final Baggage delegate;

    ForwardingBaggage(Baggage delegate) {
      this.delegate = delegate;
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public void forEach(
        java.util.function.BiConsumer<? super String, ? super io.opentelemetry.api.baggage.BaggageEntry> consumer) {
      delegate.forEach(consumer);
    }

    @Override
    public java.util.Map<String, io.opentelemetry.api.baggage.BaggageEntry> asMap() {
      return delegate.asMap();
    }

    @Override
    public String getEntryValue(String entryKey) {
      return delegate.getEntryValue(entryKey);
    }

    @Override
    public io.opentelemetry.api.baggage.BaggageBuilder toBuilder() {
      return delegate.toBuilder();
    }
  }
}
