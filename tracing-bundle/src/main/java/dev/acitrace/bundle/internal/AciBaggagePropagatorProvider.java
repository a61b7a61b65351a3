package dev.acitrace.bundle.internal;

import dev.acitrace.baggage.AciBaggagePropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider;

/**
 * Makes acitrace's baggage propagator available to OpenTelemetry autoconfiguration as
 * {@code OTEL_PROPAGATORS=...,acitrace-baggage}. It lives here, not in tracing-baggage, because the
 * autoconfigure SPI drags in the SDK and a {@code requires static} on it breaks module resolution
 * when the SPI jar is absent. Not for public use.
 */
public final class AciBaggagePropagatorProvider implements ConfigurablePropagatorProvider {

  /** The name to list in {@code otel.propagators}. */
  public static final String NAME = "acitrace-baggage";

  /** For {@link java.util.ServiceLoader}. */
  public AciBaggagePropagatorProvider() {}

  @Override
  public TextMapPropagator getPropagator(ConfigProperties config) {
    // the codec and its limits are read from the same properties autoconfigure sees (acitrace.baggage.*)
    return AciBaggagePropagator.create(config::getString);
  }

  @Override
  public String getName() {
    return NAME;
  }
}
