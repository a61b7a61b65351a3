package dev.acitrace.api.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.NamedProvider;
import java.util.function.Function;

/**
 * A built-in provider: its name, order and the function its {@code create(TracingConfig)} applies, fixed at
 * construction. Every SPI of {@link dev.acitrace.api.spi} is "a name, an order and {@code T create(config)}";
 * a built-in provider stays a public final class with a public no-argument constructor (the
 * {@link java.util.ServiceLoader} contract) that implements its SPI and passes these three here, so the
 * SPI's {@code create} is this class's (the compiler bridges {@code T} to the SPI's return type).
 *
 * @param <T> what {@link #create} returns: the SPI's product
 */
public abstract class ProviderBase<T> implements NamedProvider {

  private final String name;
  private final int order;
  private final Function<TracingConfig, ? extends T> factory;

  /**
   * @param name the provider name, as in {@link NamedProvider#name()}
   * @param order the rank, as in {@link NamedProvider#order()}
   * @param factory what {@link #create} does with the (non-null) configuration
   */
  protected ProviderBase(String name, int order, Function<TracingConfig, ? extends T> factory) {
    this.name = requireNonNull(name, "name");
    this.order = order;
    this.factory = requireNonNull(factory, "factory");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int order() {
    return order;
  }

  /**
   * The SPI's product for {@code config}.
   *
   * @throws NullPointerException naming {@code config} when it is null
   */
  public T create(TracingConfig config) {
    return factory.apply(requireNonNull(config, "config"));
  }
}
