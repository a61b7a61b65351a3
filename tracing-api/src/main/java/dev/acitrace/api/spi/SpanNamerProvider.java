package dev.acitrace.api.spi;

import dev.acitrace.api.TracingConfig;

/**
 * Supplies the {@link SpanNamer} used by interceptors built without an explicit one. The provider named by
 * {@code acitrace.span.namer} wins; otherwise the first by {@link #order()}; with none present,
 * {@link SpanNamer#DEFAULT}. {@link #create} is called once, when an interceptor is built.
 */
public interface SpanNamerProvider extends NamedProvider {

  /** The configuration key that selects a provider by name. */
  String CONFIG_KEY = "acitrace.span.namer";

  SpanNamer create(TracingConfig config);
}
