package dev.acitrace.baggage.internal;

import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiConsumer;

/**
 * Copies allowed baggage entries onto a starting span. The decision and the {@link AttributeKey} for a
 * baggage key are computed once and cached, so a call costs one map lookup per entry; the cache is
 * bounded because baggage keys come from callers.
 */
final class BaggageAttributeEnricher implements AttributeEnricher {

  /** Bounds the per-key cache: beyond it, keys are still handled, just without caching. */
  static final int MAX_CACHED_KEYS = 1024;

  /** Cached for keys that are not copied. */
  private static final AttributeKey<String> SKIP = AttributeKey.stringKey("");

  private final KeyFilter include;
  private final KeyFilter exclude;
  private final int maxValueLength;
  private final ConcurrentMap<String, AttributeKey<String>> keys = new ConcurrentHashMap<>();
  private final ThreadLocal<Copier> copiers = ThreadLocal.withInitial(Copier::new);

  BaggageAttributeEnricher(KeyFilter include, KeyFilter exclude, int maxValueLength) {
    this.include = include;
    this.exclude = exclude;
    this.maxValueLength = maxValueLength;
    for (String key : BaggageAttributeEnricherProvider.STANDARD_KEYS) {
      attributeKey(key);
    }
  }

  @Override
  public void onStart(RpcRequestInfo request, Span span) {
    if (!span.isRecording()) {
      return;
    }
    Baggage baggage = Baggage.fromContext(request.parentContext());
    if (baggage.isEmpty()) {
      return;
    }
    Copier copier = copiers.get();
    if (copier.span != null) {
      copier = new Copier(); // a Baggage whose forEach starts another span on this thread
    }
    copier.span = span;
    try {
      baggage.forEach(copier);
    } finally {
      copier.span = null; // the thread keeps no span
    }
  }

  /**
   * Copies the allowed entries onto {@link #span}: one per thread, reused by every call on it, where a
   * lambda capturing the span would be an object per span.
   */
  private final class Copier implements BiConsumer<String, BaggageEntry> {
    Span span;

    @Override
    public void accept(String key, BaggageEntry entry) {
      AttributeKey<String> attribute = attributeKey(key);
      if (attribute != SKIP) {
        span.setAttribute(attribute, cap(entry.getValue()));
      }
    }
  }

  AttributeKey<String> attributeKey(String key) {
    AttributeKey<String> cached = keys.get(key);
    if (cached != null) {
      return cached;
    }
    AttributeKey<String> computed =
        include.matches(key) && !exclude.matches(key)
            ? AttributeKey.stringKey(BaggageAttributeEnricherProvider.ATTRIBUTE_PREFIX + key)
            : SKIP;
    if (keys.size() < MAX_CACHED_KEYS) {
      keys.putIfAbsent(key, computed);
    }
    return computed;
  }

  int cachedKeys() {
    return keys.size();
  }

  private String cap(String value) {
    if (value.length() <= maxValueLength) {
      return value;
    }
    int end = maxValueLength;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // keep the pair whole: drop it rather than leave half of it
    }
    return value.substring(0, end);
  }
}
