package dev.acitrace.grpc.server;

import dev.acitrace.baggage.BaggageKeys;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * An incoming baggage with its {@value BaggageKeys#REQUEST_ID} entry set (added, or replacing an unsafe
 * one). Adding one entry through {@code toBuilder().put(..).build()} copies and re-sorts the whole baggage on
 * every call that needs a new id; this view costs one small object instead. It behaves as the built baggage
 * would: lookups, iteration (the id comes last), {@link #asMap()} and {@link #toBuilder()}.
 */
final class RequestIdBaggage implements Baggage {

  private final Baggage base;
  private final String requestId;
  /** Created on first use; a benign race may create two equal ones. */
  private BaggageEntry entry;

  private RequestIdBaggage(Baggage base, String requestId) {
    this.base = base;
    this.requestId = requestId;
  }

  /** {@code base} with the request id set to {@code requestId}. */
  static Baggage with(Baggage base, String requestId) {
    if (base instanceof RequestIdBaggage) {
      return new RequestIdBaggage(((RequestIdBaggage) base).base, requestId);
    }
    return new RequestIdBaggage(base, requestId);
  }

  @Override
  public int size() {
    return base.getEntryValue(BaggageKeys.REQUEST_ID) == null ? base.size() + 1 : base.size();
  }

  @Override
  public boolean isEmpty() {
    return false;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super BaggageEntry> consumer) {
    base.forEach((key, entry) -> {
      if (!BaggageKeys.REQUEST_ID.equals(key)) {
        consumer.accept(key, entry);
      }
    });
    consumer.accept(BaggageKeys.REQUEST_ID, entry());
  }

  @Override
  public Map<String, BaggageEntry> asMap() {
    Map<String, BaggageEntry> map = new HashMap<>(base.asMap());
    map.put(BaggageKeys.REQUEST_ID, entry());
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String getEntryValue(String entryKey) {
    return BaggageKeys.REQUEST_ID.equals(entryKey) ? requestId : base.getEntryValue(entryKey);
  }

  @Override
  public BaggageEntry getEntry(String entryKey) {
    return BaggageKeys.REQUEST_ID.equals(entryKey) ? entry() : base.getEntry(entryKey);
  }

  @Override
  public BaggageBuilder toBuilder() {
    return base.toBuilder().put(BaggageKeys.REQUEST_ID, requestId);
  }

  private BaggageEntry entry() {
    BaggageEntry e = entry;
    if (e == null) {
      e = new IdEntry(requestId);
      entry = e;
    }
    return e;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Baggage && asMap().equals(((Baggage) other).asMap());
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return "Baggage" + asMap();
  }

  /** The request-id entry: a plain value without metadata; equal to any entry of that value and metadata. */
  private static final class IdEntry implements BaggageEntry {
    private final String value;

    IdEntry(String value) {
      this.value = value;
    }

    @Override
    public String getValue() {
      return value;
    }

    @Override
    public BaggageEntryMetadata getMetadata() {
      return BaggageEntryMetadata.empty();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof BaggageEntry
          && value.equals(((BaggageEntry) other).getValue())
          && getMetadata().equals(((BaggageEntry) other).getMetadata());
    }

    @Override
    public int hashCode() {
      return value.hashCode();
    }

    @Override
    public String toString() {
      return value;
    }
  }
}
