package dev.acitrace.baggage.internal;

import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.BaggageCodec;
import dev.acitrace.api.spi.BaggageCodecProvider;
import dev.acitrace.baggage.BaggageLimits;
import dev.acitrace.baggage.PrefixedBaggageCodec;

/**
 * Provides {@link PrefixedBaggageCodec} under the name {@value #NAME}, order 100: selected with
 * {@code acitrace.baggage.codec=prefixed}, or when it is the only codec present. Reads
 * {@link BaggageLimits#fromConfig}.
 */
public final class PrefixedBaggageCodecProvider extends ProviderBase<BaggageCodec> implements BaggageCodecProvider {

  /** The provider name. */
  public static final String NAME = "prefixed";

  /** For {@link java.util.ServiceLoader}. */
  public PrefixedBaggageCodecProvider() {
    super(NAME, 100, config -> PrefixedBaggageCodec.create(BaggageLimits.fromConfig(config)));
  }
}
