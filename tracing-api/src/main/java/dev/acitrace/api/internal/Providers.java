package dev.acitrace.api.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.NamedProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Finds the implementations of acitrace's SPIs. Every module discovers providers through this class, so
 * the rules are the same everywhere:
 *
 * <ul>
 *   <li>providers are loaded once per SPI, with {@link ServiceLoader} (module path {@code provides} or
 *       classpath {@code META-INF/services}), and cached;
 *   <li>they are ordered by {@link NamedProvider#order()}, then by name;
 *   <li>a provider that fails to load is logged and left out, so one broken jar cannot break tracing;
 *   <li>two providers with the same name: the first in order is kept, the other logged and left out;
 *   <li>configuration may name one; a name with no provider fails with the list of available names.
 * </ul>
 *
 * <p>Discovery happens when interceptors and codecs are built, never per call.
 */
public final class Providers {

  private static final Logger logger = Logger.getLogger(Providers.class.getName());
  private static final ConcurrentMap<Class<?>, List<?>> cache = new ConcurrentHashMap<>();
  private static final Comparator<NamedProvider> ORDER =
      Comparator.comparingInt(NamedProvider::order).thenComparing(NamedProvider::name);

  private Providers() {}

  /** Every provider of {@code spi}, in order; unmodifiable; loaded on first use and cached. */
  @SuppressWarnings("unchecked")
  public static <P extends NamedProvider> List<P> all(Class<P> spi) {
    requireNonNull(spi, "spi");
    return (List<P>) cache.computeIfAbsent(spi, type -> load(spi, ServiceLoader.load(spi)));
  }

  /**
   * The provider of {@code spi} that {@code config} names under {@code key}, or, when the key is unset, the
   * first provider in order; empty when the key is unset and no provider is present.
   *
   * @throws IllegalArgumentException naming the key, the value and the available providers when the
   *     configured name matches no provider
   */
  public static <P extends NamedProvider> Optional<P> select(
      Class<P> spi, TracingConfig config, String key) {
    requireNonNull(config, "config");
    requireNonNull(key, "key");
    List<P> providers = all(spi);
    String wanted = config.get(key, null);
    if (wanted == null) {
      return providers.stream().findFirst();
    }
    return Optional.of(byName(spi, providers, wanted, key));
  }

  /**
   * The provider of {@code spi} called {@code name}.
   *
   * @throws IllegalArgumentException listing the available names when there is none of that name
   */
  public static <P extends NamedProvider> P named(Class<P> spi, String name) {
    requireNonNull(name, "name");
    return byName(spi, all(spi), name, null);
  }

  /** The names of the providers of {@code spi}, in order. */
  public static List<String> names(Class<? extends NamedProvider> spi) {
    return names(all(spi));
  }

  /** Orders, de-duplicates and filters a set of providers by the rules of this class (for tests and custom loaders). */
  public static <P extends NamedProvider> List<P> load(Class<P> spi, Iterable<P> source) {
    requireNonNull(spi, "spi");
    List<P> found = new ArrayList<>();
    Iterator<P> it = source.iterator();
    while (true) {
      P provider;
      try {
        if (!it.hasNext()) {
          break;
        }
        provider = it.next();
      } catch (ServiceConfigurationError e) {
        logger.log(Level.WARNING, "skipping a " + spi.getSimpleName() + " that failed to load", e);
        continue;
      }
      String name = provider.name();
      if (name == null || name.isBlank()) {
        logger.warning("skipping " + provider.getClass().getName() + ": it has no name");
        continue;
      }
      found.add(provider);
    }
    found.sort(ORDER);
    List<P> unique = new ArrayList<>(found.size());
    for (P provider : found) {
      if (unique.stream().anyMatch(p -> p.name().equals(provider.name()))) {
        logger.warning(
            "skipping " + provider.getClass().getName() + ": another " + spi.getSimpleName()
                + " is already named '" + provider.name() + "'");
        continue;
      }
      unique.add(provider);
    }
    return Collections.unmodifiableList(unique);
  }

  private static <P extends NamedProvider> P byName(
      Class<P> spi, List<P> providers, String wanted, String key) {
    String name = wanted.trim();
    for (P provider : providers) {
      if (provider.name().equals(name)) {
        return provider;
      }
    }
    throw new IllegalArgumentException(
        (key == null ? "" : key + "=" + wanted + ": ")
            + "no " + spi.getSimpleName() + " named '" + name + "'; available: "
            + (providers.isEmpty() ? "none" : String.join(", ", names(providers))));
  }

  private static List<String> names(List<? extends NamedProvider> providers) {
    return providers.stream().map(NamedProvider::name).collect(Collectors.toUnmodifiableList());
  }
}
