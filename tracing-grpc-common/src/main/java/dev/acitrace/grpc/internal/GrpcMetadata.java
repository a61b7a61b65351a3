package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.MetadataView;
import io.grpc.Metadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Adapts gRPC {@link Metadata} to OpenTelemetry propagation and to acitrace's {@link MetadataView}.
 *
 * <p>{@link Metadata.Key} construction validates and lower-cases the name; propagators ask for the same
 * handful of header names on every call, so keys are built once and cached. Only names our side chooses
 * are cached: those {@link #asciiKey} is asked for (injection, configured header names) and a propagator's
 * {@code fields()}. The getter never caches: a prefix codec asks it for every {@code baggage-*} name a
 * caller sends, and callers must not be able to fill the cache. The cache is also bounded; past the bound
 * keys are built per call, which is correct, only slower.
 */
public final class GrpcMetadata {

  /** More distinct header names than any sane propagator set uses. */
  private static final int MAX_CACHED_KEYS = 512;

  private static final ConcurrentMap<String, Metadata.Key<String>> keys = new ConcurrentHashMap<>();

  private static final TextMapGetter<Metadata> GETTER = new Getter();
  private static final TextMapSetter<Metadata> SETTER = new Setter();

  private GrpcMetadata() {}

  /** A getter for extracting context from request headers. Binary ({@code -bin}) keys read as absent. */
  public static TextMapGetter<Metadata> getter() {
    return GETTER;
  }

  /**
   * A setter for injecting context into request headers. It replaces every value the headers already hold
   * for the key, then adds ours: a relay that copies incoming headers to an outgoing call would otherwise
   * send two {@code traceparent} or {@code baggage} values, and receivers that read the first one (Go's
   * otelgrpc among them) would continue the stale context. Binary keys are ignored: text has no place
   * there; {@link dev.acitrace.grpc.GrpcTraceBinPropagator} recognizes this setter and writes its binary
   * header itself.
   */
  public static TextMapSetter<Metadata> setter() {
    return SETTER;
  }

  /**
   * The ASCII key for {@code name}, from the cache when possible.
   *
   * @throws IllegalArgumentException if {@code name} is not a valid header name or is a binary key
   */
  public static Metadata.Key<String> asciiKey(String name) {
    requireNonNull(name, "name");
    Metadata.Key<String> key = keys.get(name);
    if (key != null) {
      return key;
    }
    if (isBinary(name)) {
      throw new IllegalArgumentException("name: binary header '" + name + "' has no text value");
    }
    key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    if (keys.size() < MAX_CACHED_KEYS) {
      keys.putIfAbsent(name, key);
    }
    return key;
  }

  /**
   * Caches the keys of {@code names}, typically a propagator's {@code fields()}, so the getter finds them.
   * Invalid and binary names are skipped: the getter reads them as absent anyway.
   */
  public static void cacheKeys(Iterable<String> names) {
    requireNonNull(names, "names");
    for (String name : names) {
      if (name != null && !isBinary(name)) {
        try {
          asciiKey(name);
        } catch (IllegalArgumentException invalidName) {
          // Not a header gRPC can carry; nothing to cache.
        }
      }
    }
  }

  /** How many keys are cached; for tests. */
  static int cachedKeyCount() {
    return keys.size();
  }

  /**
   * The key for a name a caller may have chosen: cached when our side already knows the name, built
   * (and not cached) otherwise; null when the name is not a valid text header name.
   */
  private static Metadata.Key<String> lookup(String name) {
    Metadata.Key<String> key = keys.get(name);
    if (key != null) {
      return key;
    }
    if (isBinary(name)) {
      return null;
    }
    try {
      return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    } catch (IllegalArgumentException invalidName) {
      return null;
    }
  }

  /** A read-only, allocation-light view of {@code metadata}; binary keys are hidden. */
  public static MetadataView view(Metadata metadata) {
    return metadata == null ? MetadataView.EMPTY : new View(metadata);
  }

  /** Whether {@code name} is a binary header name (ends with {@code -bin}, any case). */
  public static boolean isBinary(String name) {
    return name.regionMatches(true, name.length() - Metadata.BINARY_HEADER_SUFFIX.length(),
        Metadata.BINARY_HEADER_SUFFIX, 0, Metadata.BINARY_HEADER_SUFFIX.length());
  }

  private static final class Getter implements TextMapGetter<Metadata> {
    // Deprecated upstream, still what prefix-scanning propagators (e.g. Jaeger baggage) call.
    @SuppressWarnings("deprecation")
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier == null ? Collections.emptyList() : carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      if (carrier == null || key == null) {
        return null;
      }
      Metadata.Key<String> k = lookup(key);
      return k == null ? null : carrier.get(k);
    }

    @Override
    public Iterator<String> getAll(Metadata carrier, String key) {
      if (carrier == null || key == null) {
        return Collections.emptyIterator();
      }
      Metadata.Key<String> k = lookup(key);
      Iterable<String> all = k == null ? null : carrier.getAll(k);
      return all == null ? Collections.emptyIterator() : all.iterator();
    }

    @Override
    public String toString() {
      return "GrpcMetadata.getter()";
    }
  }

  private static final class Setter implements TextMapSetter<Metadata> {
    @Override
    public void set(Metadata carrier, String key, String value) {
      if (carrier == null || key == null || value == null || isBinary(key)) {
        return;
      }
      Metadata.Key<String> k = asciiKey(key);
      carrier.discardAll(k); // replace, never append: see setter()
      carrier.put(k, value);
    }

    @Override
    public String toString() {
      return "GrpcMetadata.setter()";
    }
  }

  private static final class View implements MetadataView {
    private final Metadata metadata;

    View(Metadata metadata) {
      this.metadata = metadata;
    }

    @Override
    public String get(String key) {
      if (key == null || isBinary(key)) {
        return null;
      }
      // Enrichers (our side's code) choose these names, so caching them is fine.
      String name = key.toLowerCase(Locale.ROOT);
      try {
        return metadata.get(asciiKey(name));
      } catch (IllegalArgumentException invalidName) {
        return null;
      }
    }

    @Override
    public Iterable<String> keys() {
      return () -> metadata.keys().stream().filter(k -> !isBinary(k)).iterator();
    }

    @Override
    public String toString() {
      return metadata.toString();
    }
  }
}
