package dev.acitrace.bench;

import dev.acitrace.api.spi.BaggageCodec;
import dev.acitrace.baggage.W3CBaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;

/**
 * acitrace's W3C baggage codec ({@link W3CBaggageCodec}), used the way the interceptors use it through
 * {@code AciBaggagePropagator}.
 */
final class OursBaggageCodec implements BaggageCodecVariant {

  private final BaggageCodec codec = W3CBaggageCodec.create();

  @Override
  public void encode(Context context, HeaderCarrier carrier) {
    codec.inject(Baggage.fromContext(context), carrier, HeaderCarrier.SETTER);
  }

  @Override
  public Context decode(HeaderCarrier carrier) {
    // the Context.with is the same work W3CBaggagePropagator.extract does, so both pay it
    return Context.root().with(codec.extract(carrier, HeaderCarrier.GETTER));
  }
}
