/**
 * Baggage for acitrace: helpers that set and read the standard baggage keys on an OpenTelemetry
 * {@code Context} ({@link dev.acitrace.baggage.BaggageContext}), two baggage codecs behind the
 * {@link dev.acitrace.api.spi.BaggageCodec} SPI (W3C {@code baggage}, the default, and one header per entry),
 * a {@code TextMapPropagator} over the selected codec, and an attribute enricher that copies allowed baggage
 * entries onto RPC spans. Needs no gRPC and no OpenTelemetry SDK.
 *
 * <p>The OpenTelemetry autoconfigure {@code ConfigurablePropagatorProvider} for {@code acitrace-baggage}
 * lives in the bundle module: a {@code provides} clause for a service of a {@code requires static} module
 * fails boot-layer resolution whenever that module is absent, and this module must resolve without the SDK.
 *
 * @provides dev.acitrace.api.spi.BaggageCodecProvider {@code w3c} (order 0) and {@code prefixed} (order 100)
 * @provides dev.acitrace.api.spi.AttributeEnricherProvider {@code baggage}
 * @see <a href="https://www.w3.org/TR/baggage/">W3C Baggage</a>
 */
module dev.acitrace.baggage {
  requires transitive dev.acitrace.api;

  exports dev.acitrace.baggage;

  provides dev.acitrace.api.spi.BaggageCodecProvider with
      dev.acitrace.baggage.internal.W3CBaggageCodecProvider,
      dev.acitrace.baggage.internal.PrefixedBaggageCodecProvider;
  provides dev.acitrace.api.spi.AttributeEnricherProvider with
      dev.acitrace.baggage.internal.BaggageAttributeEnricherProvider;
}
