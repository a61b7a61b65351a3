package dev.acitrace.bench;

import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;

/** OpenTelemetry's {@link W3CBaggagePropagator}: the reference codec to beat. */
final class OtelBaggageCodec implements BaggageCodecVariant {

  private final W3CBaggagePropagator propagator = W3CBaggagePropagator.getInstance();

  @Override
  public void encode(Context context, HeaderCarrier carrier) {
    propagator.inject(context, carrier, HeaderCarrier.SETTER);
  }

  @Override
  public Context decode(HeaderCarrier carrier) {
    return propagator.extract(Context.root(), carrier, HeaderCarrier.GETTER);
  }
}
