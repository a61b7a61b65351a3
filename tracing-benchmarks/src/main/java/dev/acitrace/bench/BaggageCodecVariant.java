package dev.acitrace.bench;

import io.opentelemetry.context.Context;

/**
 * One baggage codec under test, in the shape the interceptors use it: encode the baggage of a context into
 * a header, decode a header into a context carrying the baggage. Both variants pay for the same
 * {@link Context} work, so the difference is the codec.
 */
interface BaggageCodecVariant {

  /** Writes the baggage of {@code context} into {@code carrier}. */
  void encode(Context context, HeaderCarrier carrier);

  /** Reads the baggage header of {@code carrier} into a child of {@link Context#root()}. */
  Context decode(HeaderCarrier carrier);
}
