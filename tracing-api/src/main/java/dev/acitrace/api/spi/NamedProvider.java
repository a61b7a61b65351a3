package dev.acitrace.api.spi;

/**
 * What every acitrace service provider has: a name that configuration can select it by, and an order
 * that ranks it among its peers. Implementations must have a public no-argument constructor (the
 * {@link java.util.ServiceLoader} contract) and should do no work in it.
 */
public interface NamedProvider {

  /** A short, stable, lower-case name, unique among providers of the same SPI (e.g. {@code w3c}). */
  String name();

  /**
   * The rank among providers of the same SPI: lower comes first. When configuration names no provider, the
   * first one wins; where all providers run (attribute enrichers), they run in this order.
   * Built-in providers use 0 to 100; use a negative number to go before them.
   */
  default int order() {
    return 0;
  }
}
