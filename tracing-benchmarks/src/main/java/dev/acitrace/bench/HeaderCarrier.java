package dev.acitrace.bench;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * A carrier holding only the {@code baggage} header, so that neither codec is charged for a map's hashing
 * or growth: what is measured is the encoding and decoding.
 */
final class HeaderCarrier {

  static final String BAGGAGE = "baggage";

  static final TextMapSetter<HeaderCarrier> SETTER =
      (carrier, key, value) -> {
        if (carrier != null && BAGGAGE.equals(key)) {
          carrier.baggage = value;
        }
      };

  static final TextMapGetter<HeaderCarrier> GETTER =
      (carrier, key) -> carrier != null && BAGGAGE.equals(key) ? carrier.baggage : null;

  String baggage;

  HeaderCarrier(String baggage) {
    this.baggage = baggage;
  }
}
