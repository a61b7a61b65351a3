package dev.acitrace.baggage.internal;

import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.BaggageCodec;
import dev.acitrace.api.spi.BaggageCodecProvider;
import dev.acitrace.baggage.BaggageLimits;
import dev.acitrace.baggage.W3CBaggageCodec;

/**
 * Provides {@link W3CBaggageCodec} under the name {@value #NAME}, order 0: the codec used when
 * {@code acitrace.baggage.codec} is unset. Reads {@link BaggageLimits#fromConfig}.
 */
public final class W3CBaggageCodecProvider extends ProviderBase<BaggageCodec> implements BaggageCodecProvider {

  /** The provider name. */
  public static final String NAME = "w3c";

  /** For {@link java.util.ServiceLoader}. */
  public W3CBaggageCodecProvider() {
    super(NAME, 0, config -> W3CBaggageCodec.create(BaggageLimits.fromConfig(config)));
  }
}
