package dev.acitrace.api.internal;

import dev.acitrace.api.spi.NamedProvider;

/**
 * The name and order of a built-in provider, fixed at construction: what every built-in provider would
 * otherwise spell out as two one-line methods. A subclass stays a public final class with a public
 * no-argument constructor (the {@link java.util.ServiceLoader} contract) that passes its name and order
 * here, and implements only its SPI's {@code create}.
 */
public abstract class ProviderBase implements NamedProvider {

  private final String name;
  private final int order;

  /**
   * @param name the provider name, as in {@link NamedProvider#name()}
   * @param order the rank, as in {@link NamedProvider#order()}
   */
  protected ProviderBase(String name, int order) {
    this.name = name;
    this.order = order;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int order() {
    return order;
  }
}
