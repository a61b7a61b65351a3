package dev.acitrace.baggage;

import dev.acitrace.api.TracingConfig;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider;

/**
 * Makes {@link AciBaggagePropagator} available to OpenTelemetry SDK autoconfiguration under the name
 * {@value #NAME}: {@code OTEL_PROPAGATORS=tracecontext,acitrace-baggage}. The codec and limits are read
 * from the same autoconfiguration properties ({@code acitrace.baggage.codec} /
 * {@code ACITRACE_BAGGAGE_CODEC}, ...).
 *
 * <p>The autoconfigure SPI is an optional dependency of this module ({@code requires static}): the class is
 * only loaded by autoconfiguration, so the module works without the SDK on the path.
 */
public final class AciBaggagePropagatorProvider implements ConfigurablePropagatorProvider {

  /** The propagator name for {@code otel.propagators}. */
  public static final String NAME = "acitrace-baggage";

  /** For {@link java.util.ServiceLoader}. */
  public AciBaggagePropagatorProvider() {}

  @Override
  public TextMapPropagator getPropagator(ConfigProperties config) {
    return AciBaggagePropagator.create(config::getString);
  }

  @Override
  public String getName() {
    return NAME;
  }
}
