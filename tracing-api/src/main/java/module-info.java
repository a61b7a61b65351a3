/**
 * The extension points of acitrace and the small value types they speak in.
 *
 * <p>Every other acitrace module depends on this one and on nothing heavier: it needs only the
 * OpenTelemetry API and context. The four {@link java.util.ServiceLoader} SPIs live in
 * {@code dev.acitrace.api.spi}; {@code dev.acitrace.api.internal.Providers} is the one place that discovers,
 * orders and selects their implementations (not API: exported only to the acitrace modules that load
 * providers).
 *
 * @uses dev.acitrace.api.spi.SpanNamerProvider
 * @uses dev.acitrace.api.spi.AttributeEnricherProvider
 * @uses dev.acitrace.api.spi.ExporterProvider
 * @uses dev.acitrace.api.spi.BaggageCodecProvider
 */
module dev.acitrace.api {
  // ExporterProvider returns the SDK's SpanExporter; only implementers of that SPI need the SDK.
  requires static io.opentelemetry.sdk.trace;

  requires java.logging;

  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;

  exports dev.acitrace.api;
  exports dev.acitrace.api.spi;
  // Provider discovery; the client and server modules' discovery tests read it too.
  exports dev.acitrace.api.internal to
      dev.acitrace.baggage,
      dev.acitrace.grpc,
      dev.acitrace.grpc.client,
      dev.acitrace.grpc.server,
      dev.acitrace.bundle;

  uses dev.acitrace.api.spi.SpanNamerProvider;
  uses dev.acitrace.api.spi.AttributeEnricherProvider;
  uses dev.acitrace.api.spi.ExporterProvider;
  uses dev.acitrace.api.spi.BaggageCodecProvider;
}
