/**
 * Baggage for acitrace: helpers that set and read the standard baggage keys on an OpenTelemetry
 * {@code Context} ({@link dev.acitrace.baggage.BaggageContext}), two baggage codecs behind the
 * {@link dev.acitrace.api.spi.BaggageCodec} SPI (W3C {@code baggage}, the default, and one header per entry),
 * a {@code TextMapPropagator} over the selected codec, and an attribute enricher that copies allowed baggage
 * entries onto RPC spans. Needs no gRPC and no OpenTelemetry SDK.
 *
 * <p>The OpenTelemetry autoconfigure SPI is optional: when it is present, {@code OTEL_PROPAGATORS} can name
 * {@code acitrace-baggage}.
 *
 * @provides dev.acitrace.api.spi.BaggageCodecProvider {@code w3c} (order 0) and {@code prefixed} (order 100)
 * @provides dev.acitrace.api.spi.AttributeEnricherProvider {@code baggage}
 * @provides io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider {@code acitrace-baggage}
 * @see <a href="https://www.w3.org/TR/baggage/">W3C Baggage</a>
 */
module dev.acitrace.baggage {
  // only AciBaggagePropagatorProvider uses it, and only autoconfiguration (which brings it) loads that class
  requires static io.opentelemetry.sdk.autoconfigure.spi;

  requires transitive dev.acitrace.api;

  exports dev.acitrace.baggage;

  provides dev.acitrace.api.spi.BaggageCodecProvider with
      dev.acitrace.baggage.W3CBaggageCodecProvider,
      dev.acitrace.baggage.PrefixedBaggageCodecProvider;
  provides dev.acitrace.api.spi.AttributeEnricherProvider with
      dev.acitrace.baggage.BaggageAttributeEnricherProvider;
  provides io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider with
      dev.acitrace.baggage.AciBaggagePropagatorProvider;
}
