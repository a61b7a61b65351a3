package dev.acitrace.bench;

import io.opentelemetry.context.Context;

/**
 * ADAPTER, PENDING MERGE: acitrace's W3C baggage codec ({@code dev.acitrace.baggage.W3CBaggageCodec}, a
 * {@code dev.acitrace.api.spi.BaggageCodec}), used the way the interceptors use it. Throws
 * {@link PendingMergeException} until filled in (see the FILL IN comments).
 */
final class OursBaggageCodec implements BaggageCodecVariant {

  // FILL IN (after merging the baggage branch): replace this comment with the codec, built once:
  //   private final dev.acitrace.api.spi.BaggageCodec codec = dev.acitrace.baggage.W3CBaggageCodec.create();

  OursBaggageCodec() {
    // FILL IN: delete this line once the codec field above exists.
    throw new PendingMergeException("OursBaggageCodec");
  }

  @Override
  public void encode(Context context, HeaderCarrier carrier) {
    // FILL IN:
    //   codec.inject(io.opentelemetry.api.baggage.Baggage.fromContext(context), carrier, HeaderCarrier.SETTER);
    throw new PendingMergeException("OursBaggageCodec.encode");
  }

  @Override
  public Context decode(HeaderCarrier carrier) {
    // FILL IN (the Context.with is the same work W3CBaggagePropagator.extract does, so both pay it):
    //   return Context.root().with(codec.extract(carrier, HeaderCarrier.GETTER));
    throw new PendingMergeException("OursBaggageCodec.decode");
  }
}
