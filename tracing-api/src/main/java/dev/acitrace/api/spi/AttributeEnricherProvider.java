package dev.acitrace.api.spi;

import dev.acitrace.api.TracingConfig;

/**
 * Supplies an {@link AttributeEnricher}. Interceptors built without explicit enrichers use every provider
 * found, in order, except those whose names are listed in {@code acitrace.enrichers.disabled}.
 * {@link #create} is called once, when an interceptor is built.
 */
public interface AttributeEnricherProvider extends NamedProvider {

  /** The configuration key listing provider names to leave out. */
  String DISABLED_KEY = "acitrace.enrichers.disabled";

  AttributeEnricher create(TracingConfig config);
}
