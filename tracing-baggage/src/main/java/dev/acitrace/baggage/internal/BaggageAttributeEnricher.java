package dev.acitrace.baggage.internal;

import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

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
    baggage.forEach((key, entry) -> {
      AttributeKey<String> attribute = attributeKey(key);
      if (attribute != SKIP) {
        span.setAttribute(attribute, cap(entry.getValue()));
      }
    });
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
