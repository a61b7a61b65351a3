package dev.acitrace.api.spi;

import dev.acitrace.api.TracingConfig;

/**
 * Supplies the {@link BaggageCodec} that acitrace's baggage propagator uses. The provider named by
 * {@code acitrace.baggage.codec} wins; otherwise the first by {@link #order()}. {@link #create} is
 * called once, when the propagator is built.
 */
public interface BaggageCodecProvider extends NamedProvider {

  /** The configuration key that selects a codec by name. */
  String CONFIG_KEY = "acitrace.baggage.codec";

  BaggageCodec create(TracingConfig config);
}
