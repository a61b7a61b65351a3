package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The W3C baggage grammar, vector by vector, on the way in and out, each vector cross-checked with
 * OpenTelemetry Java's {@code W3CBaggagePropagator}: where it behaves differently the vector spells out
 * what it does (the deliberate differences docs/tracing-baggage.md lists).
 *
 * <pre>
 * list-member = key OWS "=" OWS value *( OWS ";" OWS property )
 * property    = key OWS "=" OWS value / key OWS
 * key = token; value = *baggage-octet; OWS = *( SP / HTAB )
 * </pre>
 */
class W3CBaggageGrammarTest {

  private static final W3CBaggagePropagator OTEL = W3CBaggagePropagator.getInstance();

  /** A header, what we extract from it, and what OpenTelemetry extracts when that differs (else null). */
  record Vector(String header, String ours, String otelIfDifferent) {}

  private static Vector v(String header, String ours) {
    return new Vector(header, ours, null);
  }

  private static Vector v(String header, String ours, String otel) {
    return new Vector(header, ours, otel);
  }

  /** Entries as {@code {key=value |properties|, ...}}, in key order. */
  static String show(Baggage baggage) {
    TreeMap<String, String> entries = new TreeMap<>();
    baggage.forEach((key, entry) -> entries.put(key, entry.getValue()
        + (entry.getMetadata().getValue().isEmpty() ? "" : " |" + entry.getMetadata().getValue() + "|")));
    return entries.toString();
  }

  // The first five are the W3C Baggage specification's examples; then every invalid form we could think of.
  static final List<Vector> VECTORS = List.of(
        v("key1=value1,key2=value2", "{key1=value1, key2=value2}"),
        v("key1 = value1, key2=value2;property1;property2, key3=value3; propertyKey=propertyValue", "{key1=value1, key2=value2 |property1;property2|, key3=value3 |propertyKey=propertyValue|}"),
        v("userId=alice,serverNode=DF%2028,isProduction=false", "{isProduction=false, serverNode=DF 28, userId=alice}"),
        v("key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue", "{key1=value1 |property1;property2|, key2=value2, key3=value3 |propertyKey=propertyValue|}"),
        v("SomeKey=SomeValue;SomePropKey=SomePropValue", "{SomeKey=SomeValue |SomePropKey=SomePropValue|}"),
        v("k=v;a b", "{}", "{k=v |a b|}"),
        v("k=v;a=b c", "{}", "{k=v |a=b c|}"),
        v("k=v;a=b;c d=e", "{}", "{k=v |a=b;c d=e|}"),
        v("k=v;", "{}", "{k=v}"),
        v("k=v; ", "{}", "{k=v}"),
        v("k=v;;p", "{}", "{k=v |;p|}"),
        v("k=v;p;", "{}", "{k=v |p;|}"),
        v("k=v;=x", "{}", "{k=v |=x|}"),
        v("k=v;p=", "{k=v |p=|}"),
        v("k=v;p = x", "{k=v |p = x|}"),
        v("k=v;p=x=y", "{k=v |p=x=y|}"),
        v("k=v;p=x;q", "{k=v |p=x;q|}"),
        v("k=v;p@=x", "{}", "{k=v |p@=x|}"),
        v("k=v;p=\"x\"", "{}"),
        v("k=v;p=x\\y", "{}"),
        v("k=v;p=\u0001", "{}", "{k=v |p=|}"),
        v("k=v;p=\u00fc", "{}"),
        v("k=v;p=%41", "{k=v |p=%41|}"),
        v("k=v ;p", "{k=v |p|}"),
        v("k=v\t;\tp\t=\tx\t", "{k=v |p\t=\tx|}"),
        v("k=v;p,x=1", "{k=v |p|, x=1}"),
        v("a=1,b", "{a=1}"),
        v("a=1,=2,c=3", "{a=1, c=3}"),
        v("a=1,,c=3", "{a=1, c=3}"),
        v("k@=1,b=2", "{b=2}"),
        v("a=b c,d=4", "{d=4}"),
        v("a=\u0001,b=2", "{b=2}"),
        v("a=1,a=2", "{a=2}"),
        v("a==b", "{a==b}"),
        v("a=1;;", "{}", "{a=1 |;|}"),
        v("a=\"q\",b=1", "{b=1}"),
        v("a=\u00fc,b=1", "{b=1}"),
        v("a=%C3%28,b=%E2%82", "{a=\uFFFD(, b=\uFFFD}"),
        v("a=x%,b=%zz", "{a=x\uFFFD, b=\uFFFDzz}", "{a=x}"),
        v("a=+b", "{a=+b}"),
        v("a=,b=2", "{a=, b=2}"),
        v(" a = 1 , b = 2 ", "{a=1, b=2}"),
        v("a\t=\t1", "{a=1}"),
        v("k y=1,b=2", "{b=2}"),
        v("a=1 2", "{}"),
        v("a=1;p q", "{}", "{a=1 |p q|}"),
        v("=,a=1", "{a=1}"),
        v("a=1;p=1;p=2", "{a=1 |p=1;p=2|}"),
        v("key=val=ue", "{key=val=ue}"),
        v("k=%F0%9F%98%80", "{k=\uD83D\uDE00}"),
        v("k=\u007f", "{}"),
        v("k\ty=1,b=2", "{b=2}"),
        v("k=v;p(=1", "{}", "{k=v |p(=1|}"),
        v("k=v;p=x y", "{}", "{k=v |p=x y|}"),
        v("k=v; p ;q", "{k=v |p ;q|}"),
        v("k=v;p=a,b=2", "{b=2, k=v |p=a|}"),
        v("k=v;p=\u007f", "{}"),
        v("k=v;\u00fc", "{}"),
        v("k=v\u0001;p", "{}"),
        v("k=v;p\r\n", "{}", "{k=v |p|}")
  );

  @Test
  void extract_everyVector_followsTheGrammar_andMatchesOtelUnlessADocumentedDifference() {
    org.assertj.core.api.SoftAssertions softly = new org.assertj.core.api.SoftAssertions();
    for (Vector vector : VECTORS) {
      Carrier carrier = Carrier.of("baggage", vector.header());
      String ours = show(W3CBaggageCodec.create().extract(carrier, Carrier.GETTER));
      String otel = show(Baggage.fromContext(OTEL.extract(Context.root(), carrier, Carrier.GETTER)));
      softly.assertThat(ours).as("ours on [%s]", vector.header()).isEqualTo(vector.ours());
      softly.assertThat(otel).as("OpenTelemetry on [%s]", vector.header())
          .isEqualTo(vector.otelIfDifferent() == null ? vector.ours() : vector.otelIfDifferent());
    }
    softly.assertAll();
  }

  @Test
  void extract_thenInject_everyAcceptedMemberIsWrittenInTheGrammar_andOtelReadsItBack() {
    for (Vector vector : VECTORS) {
      Baggage ours = W3CBaggageCodec.create().extract(Carrier.of("baggage", vector.header()), Carrier.GETTER);
      Carrier out = new Carrier();
      W3CBaggageCodec.create().inject(ours, out, Carrier.SETTER);
      Baggage again = W3CBaggageCodec.create().extract(out, Carrier.GETTER);
      assertThat(show(again)).as("re-read [%s]", vector.header()).isEqualTo(show(ours));
      assertThat(show(Baggage.fromContext(OTEL.extract(Context.root(), out, Carrier.GETTER))))
          .as("OpenTelemetry reading our [%s]", out).isEqualTo(show(ours));
    }
  }

  @Test
  void prefixedCodec_appliesTheSameGrammarToItsValues() {
    for (Vector vector : VECTORS) {
      int eq = vector.header().indexOf('=');
      String key = eq < 0 ? "" : vector.header().substring(0, eq).trim();
      if (vector.header().indexOf(',') >= 0 || eq <= 0 || !BaggageWire.isValidKey(key)) {
        continue; // one member with a valid key: the prefixed codec's header value is the member's value part
      }
      Carrier carrier = Carrier.of(PrefixedBaggageCodec.headerName(key), vector.header().substring(eq + 1));
      assertThat(show(PrefixedBaggageCodec.create().extract(carrier, Carrier.GETTER)))
          .as("prefixed [%s]", vector.header()).isEqualTo(vector.ours());
    }
  }

  @Test
  void inject_metadataOffTheGrammar_leavesTheMemberOut_whereOtelWritesItVerbatim() {
    for (String metadata : List.of("a b", "p;", ";p", ";", "p=x y", "p@=1", "p=\"x\"", "=x", "p;;q", "p,q",
        "p=\u00fc", "p\u0001", "p=a\\b")) {
      Baggage baggage = Baggage.builder().put("k", "v", BaggageEntryMetadata.create(metadata)).put("b", "2").build();
      Carrier ours = new Carrier();
      W3CBaggageCodec.create().inject(baggage, ours, Carrier.SETTER);
      assertThat(ours.headers.get("baggage")).as("[%s]", metadata).containsExactly("b=2");
      Carrier prefixed = new Carrier();
      PrefixedBaggageCodec.create().inject(baggage, prefixed, Carrier.SETTER);
      assertThat(prefixed.headers).as("prefixed [%s]", metadata).containsOnlyKeys("baggage-b");
    }
    Carrier otel = new Carrier();
    OTEL.inject(Context.root().with(Baggage.builder().put("k", "v", BaggageEntryMetadata.create("a b")).build()),
        otel, Carrier.SETTER);
    assertThat(otel.headers.get("baggage")).as("OpenTelemetry relays it").containsExactly("k=v;a b");
  }

  @Test
  void inject_metadataInTheGrammar_isWrittenTrimmed() {
    for (String[] c : new String[][] {{"p", "k=v;p"}, {" p = 1 ; q ", "k=v;p = 1 ; q"}, {"p=", "k=v;p="},
        {"p=x=y;q=%41", "k=v;p=x=y;q=%41"}, {"\tp\t", "k=v;p"}, {"  ", "k=v"}}) {
      Carrier carrier = new Carrier();
      W3CBaggageCodec.create().inject(Baggage.builder().put("k", "v", BaggageEntryMetadata.create(c[0])).build(),
          carrier, Carrier.SETTER);
      assertThat(carrier.headers.get("baggage")).as("[%s]", c[0]).containsExactly(c[1]);
    }
  }
}
