package dev.acitrace.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.grpc.internal.GrpcMetadata;
import io.grpc.Metadata;
import io.grpc.opentelemetry.GrpcTraceBinContextPropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GrpcTraceBinPropagatorTest {

  private static final String TRACE_ID = "404142434445464748494a4b4c4d4e4f";
  private static final String SPAN_ID = "6162636465666768";
  /** The example of the format's documentation (OpenCensus, grpc-java's BinaryFormatImpl). */
  private static final byte[] EXAMPLE = {0, 0, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79,
      1, 97, 98, 99, 100, 101, 102, 103, 104, 2, 1};

  private static final GrpcTraceBinPropagator OURS = GrpcTraceBinPropagator.getInstance();
  private static final TextMapPropagator GRPC = GrpcTraceBinContextPropagator.defaultInstance();

  private static final TextMapSetter<Map<String, String>> MAP_SETTER = Map::put;
  private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private static Context sampled() {
    return Context.root().with(Span.wrap(
        SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault())));
  }

  private static SpanContext extracted(Context context) {
    return Span.fromContext(context).getSpanContext();
  }

  @Test
  void inject_grpcMetadata_writesTheBinaryHeaderOfTheFormatsExample() {
    Metadata headers = new Metadata();
    OURS.inject(sampled(), headers, GrpcMetadata.setter());

    assertThat(headers.get(GrpcTraceBinPropagator.KEY)).containsExactly(EXAMPLE);
    assertThat(headers.keys()).containsExactly("grpc-trace-bin");
  }

  @Test
  void extract_grpcMetadata_readsTheBinaryHeaderAsARemoteParent() {
    Metadata headers = new Metadata();
    headers.put(GrpcTraceBinPropagator.KEY, EXAMPLE);

    SpanContext spanContext = extracted(OURS.extract(Context.root(), headers, GrpcMetadata.getter()));

    assertThat(spanContext.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(spanContext.getSpanId()).isEqualTo(SPAN_ID);
    assertThat(spanContext.isSampled()).isTrue();
    assertThat(spanContext.isRemote()).isTrue();
  }

  @Test
  void injectThenExtract_textCarrier_roundTripsThroughBase64() {
    Map<String, String> carrier = new HashMap<>();
    OURS.inject(sampled(), carrier, MAP_SETTER);

    assertThat(carrier).containsEntry("grpc-trace-bin", Base64.getEncoder().withoutPadding().encodeToString(EXAMPLE));
    SpanContext spanContext = extracted(OURS.extract(Context.root(), carrier, MAP_GETTER));
    assertThat(spanContext.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(spanContext.getSpanId()).isEqualTo(SPAN_ID);
    assertThat(spanContext.isSampled()).isTrue();
  }

  @Test
  void inject_unsampled_carriesFlagsZero_andInvalidContext_injectsNothing() {
    Metadata headers = new Metadata();
    OURS.inject(Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getDefault(),
        TraceState.getDefault()))), headers, GrpcMetadata.setter());
    assertThat(headers.get(GrpcTraceBinPropagator.KEY)[28]).isZero();
    assertThat(extracted(OURS.extract(Context.root(), headers, GrpcMetadata.getter())).isSampled()).isFalse();

    Metadata none = new Metadata();
    OURS.inject(Context.root(), none, GrpcMetadata.setter());
    OURS.inject(null, none, GrpcMetadata.setter());
    OURS.inject(sampled(), none, null);
    assertThat(none.keys()).isEmpty();
  }

  @Test
  void extract_nullArguments_neverThrow() {
    assertThat(OURS.extract(null, new Metadata(), GrpcMetadata.getter())).isSameAs(Context.root());
    Context base = Context.root().with(Span.wrap(SpanContext.getInvalid()));
    assertThat(OURS.extract(base, new Metadata(), null)).isSameAs(base);
    assertThat(OURS.extract(base, null, GrpcMetadata.getter())).isSameAs(base);
    assertThat(OURS.extract(base, null, MAP_GETTER)).isSameAs(base);
    assertThat(OURS.fields()).containsExactly("grpc-trace-bin");
  }

  @Test
  void extract_throwingGetter_returnsTheContextGiven() {
    TextMapGetter<Object> throwing = new TextMapGetter<>() {
      @Override
      public Iterable<String> keys(Object carrier) {
        throw new IllegalStateException("keys");
      }

      @Override
      public String get(Object carrier, String key) {
        throw new IllegalStateException("get");
      }
    };
    assertThat(OURS.extract(Context.root(), new Object(), throwing)).isSameAs(Context.root());
  }

  @Test
  void inject_foreignMetadataSetterThatRejectsBinaryNames_doesNotThrow() {
    // what a setter building Metadata.Key.of(name, ASCII_STRING_MARSHALLER) for every name does
    TextMapSetter<Metadata> asciiOnly =
        (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    Metadata headers = new Metadata();
    OURS.inject(sampled(), headers, asciiOnly);
    assertThat(headers.keys()).isEmpty();
  }

  @Test
  void encode_invalidContext_failsNamingTheArgument() {
    assertThatThrownBy(() -> GrpcTraceBinPropagator.encode(SpanContext.getInvalid()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spanContext");
    assertThatThrownBy(() -> GrpcTraceBinPropagator.encode(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("spanContext");
  }

  @Test
  void decode_withoutTraceOptions_isUnsampled() {
    SpanContext spanContext = GrpcTraceBinPropagator.decode(Arrays.copyOf(EXAMPLE, 27));
    assertThat(spanContext.getSpanId()).isEqualTo(SPAN_ID);
    assertThat(spanContext.isSampled()).isFalse();
  }

  @Test
  void decode_unknownFieldsAfterTheKnownOnes_areSkipped() {
    byte[] longer = Arrays.copyOf(EXAMPLE, 40);
    longer[29] = 3; // a field a newer sender might add
    assertThat(GrpcTraceBinPropagator.decode(longer).getSpanId()).isEqualTo(SPAN_ID);
    assertThat(GrpcTraceBinPropagator.decode(longer).isSampled()).isTrue();

    byte[] unknownInsteadOfOptions = Arrays.copyOf(EXAMPLE, 29);
    unknownInsteadOfOptions[27] = 9;
    assertThat(GrpcTraceBinPropagator.decode(unknownInsteadOfOptions).getSpanId()).isEqualTo(SPAN_ID);
    assertThat(GrpcTraceBinPropagator.decode(unknownInsteadOfOptions).isSampled()).isFalse();
  }

  @Test
  void decode_malformed_isInvalid() {
    assertThat(GrpcTraceBinPropagator.decode(null).isValid()).isFalse();
    assertThat(GrpcTraceBinPropagator.decode(new byte[0]).isValid()).isFalse();
    for (int length = 0; length < 27; length++) {
      assertThat(GrpcTraceBinPropagator.decode(Arrays.copyOf(EXAMPLE, length)).isValid())
          .as("truncated to %d bytes", length).isFalse();
    }
    // trace options field present but its byte cut off
    assertThat(GrpcTraceBinPropagator.decode(Arrays.copyOf(EXAMPLE, 28)).isValid()).isFalse();
    for (int version = 1; version < 256; version++) {
      byte[] other = EXAMPLE.clone();
      other[0] = (byte) version;
      assertThat(GrpcTraceBinPropagator.decode(other).isValid()).as("version %d", version).isFalse();
    }
    byte[] swapped = EXAMPLE.clone();
    swapped[1] = 1; // span id where the trace id must be
    assertThat(GrpcTraceBinPropagator.decode(swapped).isValid()).isFalse();
    byte[] zeroTrace = EXAMPLE.clone();
    Arrays.fill(zeroTrace, 2, 18, (byte) 0);
    assertThat(GrpcTraceBinPropagator.decode(zeroTrace).isValid()).isFalse();
    byte[] zeroSpan = EXAMPLE.clone();
    Arrays.fill(zeroSpan, 19, 27, (byte) 0);
    assertThat(GrpcTraceBinPropagator.decode(zeroSpan).isValid()).isFalse();
  }

  @Test
  void extract_textCarrier_malformedBase64_isIgnored() {
    Context base = Context.root();
    for (String value : new String[] {"", "!", "not base64 at all", "A", "AAAA", "====",
        Base64.getEncoder().encodeToString(EXAMPLE).substring(1), "\u00ff\u0100\ud800"}) {
      Map<String, String> carrier = Map.of("grpc-trace-bin", value);
      assertThat(OURS.extract(base, carrier, MAP_GETTER)).as(value).isSameAs(base);
    }
    // a huge value costs a bounded prefix, and its valid start is still read
    String huge = Base64.getEncoder().encodeToString(Arrays.copyOf(EXAMPLE, 30)) + "@".repeat(1_000_000);
    assertThat(extracted(OURS.extract(base, Map.of("grpc-trace-bin", huge), MAP_GETTER)).getSpanId())
        .isEqualTo(SPAN_ID);
  }

  @Test
  void ourInjection_isDecodedByGrpcJavasPropagator() {
    // grpc-java's binary path needs its package-private getter; the base64 path is the same decoder
    Metadata headers = new Metadata();
    OURS.inject(sampled(), headers, GrpcMetadata.setter());
    Map<String, String> text = Map.of("grpc-trace-bin",
        Base64.getEncoder().encodeToString(headers.get(GrpcTraceBinPropagator.KEY)));

    SpanContext theirs = extracted(GRPC.extract(Context.root(), text, MAP_GETTER));
    assertThat(theirs.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(theirs.getSpanId()).isEqualTo(SPAN_ID);
    assertThat(theirs.isSampled()).isTrue();
  }

  @Test
  void grpcJavasInjection_isDecodedByOurs() {
    Map<String, String> carrier = new HashMap<>();
    GRPC.inject(sampled(), carrier, MAP_SETTER);

    assertThat(Base64.getDecoder().decode(carrier.get("grpc-trace-bin"))).containsExactly(EXAMPLE);
    SpanContext ours = extracted(OURS.extract(Context.root(), carrier, MAP_GETTER));
    assertThat(ours.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(ours.getSpanId()).isEqualTo(SPAN_ID);
    assertThat(ours.isSampled()).isTrue();
    // and through the gRPC metadata fast path
    Metadata headers = new Metadata();
    headers.put(GrpcTraceBinPropagator.KEY, Base64.getDecoder().decode(carrier.get("grpc-trace-bin")));
    assertThat(extracted(OURS.extract(Context.root(), headers, GrpcMetadata.getter())).getSpanId())
        .isEqualTo(SPAN_ID);
  }

  /**
   * Random ids, random flags: both implementations encode the same bytes and decode each other's.
   */
  @Test
  void randomContexts_encodeIdenticallyToGrpcJava() {
    Random random = new Random(15);
    for (int i = 0; i < 2_000; i++) {
      SpanContext spanContext = SpanContext.create(hex(random, 16), hex(random, 8),
          TraceFlags.fromByte((byte) random.nextInt(256)), TraceState.getDefault());
      if (!spanContext.isValid()) {
        continue;
      }
      Context context = Context.root().with(Span.wrap(spanContext));
      Map<String, String> theirs = new HashMap<>();
      GRPC.inject(context, theirs, MAP_SETTER);
      Map<String, String> ours = new HashMap<>();
      OURS.inject(context, ours, MAP_SETTER);
      assertThat(ours).isEqualTo(theirs);
      assertThat(GrpcTraceBinPropagator.encode(spanContext))
          .containsExactly(Base64.getDecoder().decode(theirs.get("grpc-trace-bin")));
    }
  }

  /**
   * Fuzz: random byte strings, mutations of a valid value (flipped bytes, truncations, other versions,
   * appended unknown fields), both as binary metadata and as base64 text. Extraction never throws, and
   * accepts exactly what grpc-java's decoder accepts, with the same result.
   */
  @Test
  void fuzz_neverThrows_andAgreesWithGrpcJava() {
    Random random = new Random(2026);
    Context base = Context.root();
    int accepted = 0;
    for (int i = 0; i < 50_000; i++) {
      byte[] bytes = mutate(random);
      Metadata headers = new Metadata();
      headers.put(GrpcTraceBinPropagator.KEY, bytes);
      SpanContext viaMetadata = extracted(OURS.extract(base, headers, GrpcMetadata.getter()));
      Map<String, String> text = Map.of("grpc-trace-bin", Base64.getEncoder().encodeToString(bytes));
      SpanContext viaText = extracted(OURS.extract(base, text, MAP_GETTER));
      SpanContext theirs = extracted(GRPC.extract(base, text, MAP_GETTER));

      String input = Arrays.toString(bytes);
      assertThat(viaMetadata.isValid()).as(input).isEqualTo(theirs.isValid());
      assertThat(viaText.isValid()).as(input).isEqualTo(theirs.isValid());
      if (theirs.isValid()) {
        accepted++;
        assertThat(viaMetadata.getTraceId()).as(input).isEqualTo(theirs.getTraceId());
        assertThat(viaMetadata.getSpanId()).as(input).isEqualTo(theirs.getSpanId());
        assertThat(viaMetadata.getTraceFlags()).as(input).isEqualTo(theirs.getTraceFlags());
        assertThat(viaText.getSpanId()).as(input).isEqualTo(theirs.getSpanId());
      }
    }
    // the mutations must exercise both outcomes, or the agreement above says little
    assertThat(accepted).isBetween(5_000, 45_000);
  }

  @Test
  void fuzz_randomText_neverThrows() {
    Random random = new Random(7);
    Context base = Context.root();
    for (int i = 0; i < 20_000; i++) {
      char[] chars = new char[random.nextInt(60)];
      for (int c = 0; c < chars.length; c++) {
        chars[c] = random.nextInt(4) == 0 ? (char) random.nextInt(0x10000)
            : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_".charAt(random.nextInt(67));
      }
      Context result = OURS.extract(base, Map.of("grpc-trace-bin", new String(chars)), MAP_GETTER);
      assertThat(result == base || extracted(result).isValid()).isTrue();
    }
  }

  private static byte[] mutate(Random random) {
    switch (random.nextInt(6)) {
      case 0: { // random bytes of random length
        byte[] bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
        return bytes;
      }
      case 1: // truncation
        return Arrays.copyOf(valid(random), random.nextInt(30));
      case 2: { // flipped bytes
        byte[] bytes = valid(random);
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
      }
      case 3: { // another version
        byte[] bytes = valid(random);
        bytes[0] = (byte) random.nextInt(256);
        return bytes;
      }
      case 4: { // unknown fields appended
        byte[] bytes = Arrays.copyOf(valid(random), 29 + 1 + random.nextInt(20));
        for (int b = 29; b < bytes.length; b++) {
          bytes[b] = (byte) random.nextInt(256);
        }
        return bytes;
      }
      default:
        return valid(random);
    }
  }

  private static byte[] valid(Random random) {
    byte[] bytes = EXAMPLE.clone();
    byte[] ids = new byte[24];
    random.nextBytes(ids);
    System.arraycopy(ids, 0, bytes, 2, 16);
    System.arraycopy(ids, 16, bytes, 19, 8);
    bytes[28] = (byte) random.nextInt(256);
    return bytes;
  }

  private static String hex(Random random, int bytes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < bytes; i++) {
      out.append(String.format("%02x", random.nextInt(256)));
    }
    return out.toString();
  }
}
