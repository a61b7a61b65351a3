package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AciBaggagePropagatorTest {

  private static final Context WITH_BAGGAGE =
      BaggageContext.withImageInfo(BaggageContext.REQUEST_ID.with(Context.root(), "r-1"), "app", "1.0");

  @Test
  void create_defaultConfig_usesTheW3cCodec() {
    AciBaggagePropagator propagator = AciBaggagePropagator.create(TracingConfig.of(Map.of()));

    assertThat(propagator.codec()).isInstanceOf(W3CBaggageCodec.class);
    assertThat(propagator.fields()).containsExactly("baggage");
    assertThat(AciBaggagePropagator.create().codec()).isInstanceOf(W3CBaggageCodec.class);
  }

  @Test
  void create_configuredCodecAndLimits_areUsed() {
    AciBaggagePropagator propagator = AciBaggagePropagator.create(TracingConfig.of(Map.of(
        "acitrace.baggage.codec", "prefixed", "acitrace.baggage.max-members", "1")));

    Carrier carrier = new Carrier();
    propagator.inject(WITH_BAGGAGE, carrier, Carrier.SETTER);

    assertThat(propagator.codec()).isInstanceOf(PrefixedBaggageCodec.class);
    assertThat(((PrefixedBaggageCodec) propagator.codec()).limits()).isEqualTo(new BaggageLimits(1, 8192));
    assertThat(carrier.headers).containsOnlyKeys("baggage-image.name");
  }

  @Test
  void create_unknownCodec_failsListingTheAvailableOnes() {
    assertThatThrownBy(() -> AciBaggagePropagator.create(TracingConfig.of(Map.of("acitrace.baggage.codec", "b3"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acitrace.baggage.codec")
        .hasMessageContaining("w3c")
        .hasMessageContaining("prefixed");
  }

  @Test
  void create_invalidLimit_failsNamingTheKey() {
    assertThatThrownBy(() -> AciBaggagePropagator.create(TracingConfig.of(Map.of("acitrace.baggage.max-bytes", "0"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acitrace.baggage.max-bytes");
    assertThatThrownBy(() -> AciBaggagePropagator.create(TracingConfig.of(Map.of("acitrace.baggage.max-members", "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acitrace.baggage.max-members");
  }

  @Test
  void of_nullCodec_failsNamingIt() {
    assertThatThrownBy(() -> AciBaggagePropagator.of(null)).hasMessageContaining("codec");
  }

  @Test
  void injectThenExtract_carriesTheBaggage() {
    for (BaggageCodec codec : List.of(W3CBaggageCodec.create(), PrefixedBaggageCodec.create())) {
      AciBaggagePropagator propagator = AciBaggagePropagator.of(codec);
      Carrier carrier = new Carrier();
      propagator.inject(WITH_BAGGAGE, carrier, Carrier.SETTER);

      Context extracted = propagator.extract(Context.root(), carrier, Carrier.GETTER);

      assertThat(BaggageContext.REQUEST_ID.get(extracted)).isEqualTo("r-1");
      assertThat(BaggageContext.imageInfo(extracted)).isEqualTo(new ImageInfo("app", "1.0"));
    }
  }

  @Test
  void extract_nothingInTheCarrier_returnsTheSameContext() {
    AciBaggagePropagator propagator = AciBaggagePropagator.of(W3CBaggageCodec.create());

    assertThat(propagator.extract(WITH_BAGGAGE, new Carrier(), Carrier.GETTER)).isSameAs(WITH_BAGGAGE);
    assertThat(propagator.extract(WITH_BAGGAGE, new Carrier(), null)).isSameAs(WITH_BAGGAGE);
  }

  @Test
  void extract_replacesTheContextsBaggage_asOpenTelemetryDoes() {
    AciBaggagePropagator propagator = AciBaggagePropagator.of(W3CBaggageCodec.create());

    Context extracted = propagator.extract(WITH_BAGGAGE, Carrier.of("baggage", "x=1"), Carrier.GETTER);

    assertThat(BaggageContext.all(extracted)).containsOnlyKeys("x");
  }

  @Test
  void extract_codecThatBreaksTheContract_doesNotFailTheCall() {
    BaggageCodec broken = new BaggageCodec() {
      @Override
      public Collection<String> fields() {
        return List.of();
      }

      @Override
      public <C> void inject(Baggage baggage, C carrier, TextMapSetter<C> setter) {}

      @Override
      public <C> Baggage extract(C carrier, TextMapGetter<C> getter) {
        throw new IllegalStateException("broken");
      }
    };

    assertThat(AciBaggagePropagator.of(broken).extract(WITH_BAGGAGE, new Carrier(), Carrier.GETTER))
        .isSameAs(WITH_BAGGAGE);
  }

  @Test
  void inject_noBaggage_writesNothing() {
    Carrier carrier = new Carrier();

    AciBaggagePropagator.of(W3CBaggageCodec.create()).inject(Context.root(), carrier, Carrier.SETTER);

    assertThat(carrier.headers).isEmpty();
  }

  @Test
  void composite_withTraceContext_carriesBoth() {
    TextMapPropagator composite = TextMapPropagator.composite(
        io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(),
        AciBaggagePropagator.of(PrefixedBaggageCodec.create()));
    SpanContext spanContext = SpanContext.create(
        "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(), TraceState.getDefault());
    Context context = WITH_BAGGAGE.with(Span.wrap(spanContext));
    Carrier carrier = new Carrier();

    composite.inject(context, carrier, Carrier.SETTER);
    Context extracted = composite.extract(Context.root(), carrier, Carrier.GETTER);

    assertThat(carrier.headers).containsKeys("traceparent", "baggage-request.id");
    assertThat(Span.fromContext(extracted).getSpanContext().getTraceId()).isEqualTo(spanContext.getTraceId());
    assertThat(BaggageContext.REQUEST_ID.get(extracted)).isEqualTo("r-1");
  }
}
