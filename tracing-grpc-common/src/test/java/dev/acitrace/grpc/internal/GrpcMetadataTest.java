package dev.acitrace.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.MetadataView;
import io.grpc.Metadata;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcMetadataTest {

  private static final TextMapPropagator W3C = TextMapPropagator.composite(
      W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance());

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.grpc");
  }

  @Test
  void injectThenExtract_roundTripsTraceContextAndBaggage() {
    SpanContext spanContext = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getSampled(), TraceState.getDefault());
    Context context = Context.root().with(Span.wrap(spanContext))
        .with(Baggage.builder().put("request.id", "r1").put("user.id", "u 1").build());
    Metadata headers = new Metadata();
    W3C.inject(context, headers, GrpcMetadata.setter());

    assertThat(headers.get(GrpcMetadata.asciiKey("traceparent")))
        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    Context extracted = W3C.extract(Context.root(), headers, GrpcMetadata.getter());
    assertThat(Span.fromContext(extracted).getSpanContext().getSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(Span.fromContext(extracted).getSpanContext().isRemote()).isTrue();
    assertThat(Baggage.fromContext(extracted).getEntryValue("user.id")).isEqualTo("u 1");
    assertThat(Baggage.fromContext(extracted).getEntryValue("request.id")).isEqualTo("r1");
  }

  @Test
  void getter_multipleBaggageHeaders_allRead() {
    Metadata headers = new Metadata();
    headers.put(GrpcMetadata.asciiKey("baggage"), "a=1");
    headers.put(GrpcMetadata.asciiKey("baggage"), "b=2");
    Baggage baggage = Baggage.fromContext(
        W3CBaggagePropagator.getInstance().extract(Context.root(), headers, GrpcMetadata.getter()));
    assertThat(baggage.getEntryValue("a")).isEqualTo("1");
    assertThat(baggage.getEntryValue("b")).isEqualTo("2");
  }

  @Test
  void binaryKeys_ignoredBySetterGetterAndView() {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2});
    headers.put(GrpcMetadata.asciiKey("x-text"), "t");
    GrpcMetadata.setter().set(headers, "y-bin", "zz");
    assertThat(headers.keys()).containsExactlyInAnyOrder("x-bin", "x-text");
    assertThat(GrpcMetadata.getter().get(headers, "x-bin")).isNull();
    assertThat(GrpcMetadata.getter().getAll(headers, "X-BIN").hasNext()).isFalse();
    MetadataView view = GrpcMetadata.view(headers);
    assertThat(view.get("x-bin")).isNull();
    assertThat(view.get("X-Text")).isEqualTo("t");
    List<String> keys = new ArrayList<>();
    view.keys().forEach(keys::add);
    assertThat(keys).containsExactly("x-text");
    assertThat(view.get("not a valid name")).isNull();
  }

  @Test
  @SuppressWarnings("deprecation") // keys() is deprecated upstream but still called by prefix propagators
  void nullCarriers_areHarmless() {
    assertThat(GrpcMetadata.getter().get(null, "traceparent")).isNull();
    assertThat(GrpcMetadata.getter().keys(null)).isEmpty();
    GrpcMetadata.setter().set(null, "traceparent", "x");
    assertThat(GrpcMetadata.view(null)).isSameAs(MetadataView.EMPTY);
  }

  @Test
  void asciiKey_cachedAndValidated() {
    assertThat(GrpcMetadata.asciiKey("traceparent")).isSameAs(GrpcMetadata.asciiKey("traceparent"));
    assertThatThrownBy(() -> GrpcMetadata.asciiKey("a-bin")).hasMessageContaining("name");
    assertThatThrownBy(() -> GrpcMetadata.asciiKey(null)).hasMessageContaining("name");
  }

  @Test
  void getter_invalidHeaderName_readsAsAbsentNotThrows() {
    Metadata headers = new Metadata();
    headers.put(GrpcMetadata.asciiKey("x-ok"), "v");
    assertThat(GrpcMetadata.getter().get(headers, "bad name")).isNull();
    assertThat(GrpcMetadata.getter().getAll(headers, "bad name")).isExhausted();
    assertThat(GrpcMetadata.getter().get(headers, "x-ok")).isEqualTo("v");
    assertThat(GrpcMetadata.getter().getAll(headers, "x-ok")).toIterable().containsExactly("v");
  }

  @Test
  void getter_namesCallersChoose_neverCached() {
    Metadata headers = new Metadata();
    int before = GrpcMetadata.cachedKeyCount();
    for (int i = 0; i < 100; i++) {
      String name = "baggage-caller-chosen-" + i;
      headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), "v" + i);
      assertThat(GrpcMetadata.getter().get(headers, name)).isEqualTo("v" + i);
      assertThat(GrpcMetadata.getter().getAll(headers, name)).toIterable().containsExactly("v" + i);
    }
    assertThat(GrpcMetadata.cachedKeyCount()).isEqualTo(before);
  }

  @Test
  void cacheKeys_knownNamesCachedInvalidOnesSkipped() {
    GrpcMetadata.cacheKeys(List.of("x-known-field", "bad name", "x-field-bin"));
    assertThat(GrpcMetadata.asciiKey("x-known-field")).isSameAs(GrpcMetadata.asciiKey("x-known-field"));
    assertThatThrownBy(() -> GrpcMetadata.cacheKeys(null)).hasMessageContaining("names");
  }

  @Test
  void setter_keyAlreadyPresent_replacesEveryValue() {
    Metadata headers = new Metadata();
    headers.put(GrpcMetadata.asciiKey("traceparent"), "00-11111111111111111111111111111111-2222222222222222-01");
    headers.put(GrpcMetadata.asciiKey("traceparent"), "stale twice");
    headers.put(GrpcMetadata.asciiKey("baggage"), "stale=1");
    headers.put(GrpcMetadata.asciiKey("other"), "kept");
    SpanContext spanContext = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getSampled(), TraceState.getDefault());
    W3C.inject(Context.root().with(Span.wrap(spanContext)).with(Baggage.builder().put("a", "1").build()),
        headers, GrpcMetadata.setter());

    // a receiver that reads the first value sees ours
    assertThat(headers.getAll(GrpcMetadata.asciiKey("traceparent")))
        .containsExactly("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(headers.getAll(GrpcMetadata.asciiKey("baggage"))).containsExactly("a=1");
    assertThat(headers.get(GrpcMetadata.asciiKey("other"))).isEqualTo("kept");
  }
}
