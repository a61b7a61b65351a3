package dev.acitrace.bench;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;

/**
 * The baggage every traced call carries (3 entries with standard acitrace keys, so the baggage enricher has
 * work to do) and the 3- and 30-entry baggages of the codec benchmarks. One value needs percent-encoding,
 * as real values sometimes do, so neither codec is measured on its fast path only.
 */
final class BaggageSamples {

  // The literal keys of dev.acitrace.baggage.BaggageKeys: that class is not on the floor's classpath.
  private static final String REQUEST_ID = "request.id";
  private static final String USER_ID = "user.id";
  private static final String IMAGE_NAME = "image.name";

  private BaggageSamples() {}

  /** The 3 entries of the baggage the benchmarked gRPC calls carry. */
  static Baggage forCall() {
    return of(3);
  }

  /**
   * A baggage of {@code entries} members: the three of {@link #forCall()}, then application keys.
   *
   * @throws IllegalArgumentException if {@code entries} is below 3
   */
  static Baggage of(int entries) {
    if (entries < 3) {
      throw new IllegalArgumentException("entries must be at least 3, was " + entries);
    }
    BaggageBuilder builder =
        Baggage.builder()
            .put(REQUEST_ID, "6f1c2a9e4b7d4e0fa3c58b2d9e61f047")
            .put(USER_ID, "alice")
            .put(IMAGE_NAME, "registry.example.com/team/app:1.2.3");
    for (int i = 3; i < entries; i++) {
      String value = i == 7 ? "pull image, layer " + i : "value-" + i + "-c0ffee";
      builder.put("app.key" + i, value);
    }
    return builder.build();
  }

  /** The {@code baggage} header OpenTelemetry writes for {@code baggage}: the input both decoders read. */
  static String header(Baggage baggage) {
    HeaderCarrier carrier = new HeaderCarrier(null);
    W3CBaggagePropagator.getInstance()
        .inject(Context.root().with(baggage), carrier, HeaderCarrier.SETTER);
    return carrier.baggage;
  }
}
