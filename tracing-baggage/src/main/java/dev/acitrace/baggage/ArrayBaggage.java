package dev.acitrace.baggage;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The {@link Baggage} that codecs extract: entries in sorted key order, as OpenTelemetry's own baggage
 * iterates them. The extractor inserts into the sorted arrays as it parses (headers usually arrive in
 * key order, so an insertion is an append), which spares the copy-and-sort that
 * {@code Baggage.builder().build()} does on every call. Immutable once built.
 */
final class ArrayBaggage implements Baggage {

  /** Sorted by key, exactly sized: each entry holds its key, so one array (and no size field) serves. */
  private final Entry[] entries;

  private ArrayBaggage(Entry[] entries) {
    this.entries = entries;
  }

  /** The bytes the W3C format writes for all entries, separators excluded; measured when they were read. */
  int memberBytes() {
    int bytes = 0;
    for (Entry entry : entries) {
      bytes += entry.size;
    }
    return bytes;
  }

  @Override
  public int size() {
    return entries.length;
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super BaggageEntry> consumer) {
    for (Entry entry : entries) {
      consumer.accept(entry.key, entry);
    }
  }

  @Override
  public Map<String, BaggageEntry> asMap() {
    Map<String, BaggageEntry> map = new LinkedHashMap<>(entries.length * 2);
    for (Entry entry : entries) {
      map.put(entry.key, entry);
    }
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String getEntryValue(String key) {
    BaggageEntry entry = getEntry(key);
    return entry == null ? null : entry.getValue();
  }

  @Override
  public BaggageEntry getEntry(String key) {
    if (key == null) {
      return null;
    }
    int i = indexOf(entries, entries.length, key);
    return i >= 0 ? entries[i] : null;
  }

  @Override
  public BaggageBuilder toBuilder() {
    BaggageBuilder builder = Baggage.builder();
    for (Entry entry : entries) {
      builder.put(entry.key, entry.value, entry.metadata);
    }
    return builder;
  }

  /**
   * Equal to another extracted baggage with the same entries. Not equal to OpenTelemetry's own baggage
   * even with the same entries: that one only equals its own kind, and {@code equals} must be symmetric.
   */
  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ArrayBaggage) || ((ArrayBaggage) o).entries.length != entries.length) {
      return false;
    }
    ArrayBaggage other = (ArrayBaggage) o;
    for (int i = 0; i < entries.length; i++) {
      if (!entries[i].key.equals(other.entries[i].key) || !entries[i].equals(other.entries[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int hash = 1;
    for (Entry entry : entries) {
      hash = 31 * hash + entry.key.hashCode();
      hash = 31 * hash + entry.hashCode();
    }
    return hash;
  }

  @Override
  public String toString() {
    return "Baggage" + asMap();
  }

  private static int indexOf(Entry[] entries, int size, String key) {
    int low = 0;
    int high = size - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int cmp = entries[mid].key.compareTo(key);
      if (cmp < 0) {
        low = mid + 1;
      } else if (cmp > 0) {
        high = mid - 1;
      } else {
        return mid;
      }
    }
    return -(low + 1);
  }

  /**
   * One entry and its key; its metadata is OpenTelemetry's. It carries its size as the W3C format writes it
   * (which costs no memory: the int fits the object's alignment padding). Holding the key here spares the
   * baggage a parallel array of keys: 32 B an entry either way, one array fewer per baggage.
   */
  static final class Entry implements BaggageEntry {
    final String key;
    final String value;
    final BaggageEntryMetadata metadata;
    final int size;

    Entry(String key, String value, BaggageEntryMetadata metadata, int size) {
      this.key = key;
      this.value = value;
      this.metadata = metadata;
      this.size = size;
    }

    @Override
    public String getValue() {
      return value;
    }

    @Override
    public BaggageEntryMetadata getMetadata() {
      return metadata;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry
          && value.equals(((Entry) o).value)
          && metadata.getValue().equals(((Entry) o).metadata.getValue());
    }

    @Override
    public int hashCode() {
      return Objects.hash(value, metadata.getValue());
    }

    @Override
    public String toString() {
      return metadata.getValue().isEmpty() ? value : value + ";" + metadata.getValue();
    }
  }

  /**
   * Collects entries in key order, each with its size as the W3C format writes it; the reader finds a
   * key first, then inserts or replaces. Reused: {@link #buildAndClear} copies what it holds into an exactly
   * sized baggage and empties it. Not thread-safe.
   */
  static final class Builder {
    private Entry[] entries;
    private int size;

    Builder(int capacity) {
      entries = new Entry[capacity];
    }

    /** The index of {@code key}, or {@code -(insertion point) - 1}. Headers mostly arrive sorted: one compare. */
    int find(String key) {
      if (size == 0 || entries[size - 1].key.compareTo(key) < 0) {
        return -(size + 1);
      }
      return indexOf(entries, size, key);
    }

    int sizeAt(int i) {
      return entries[i].size;
    }

    void replace(int i, String value, BaggageEntryMetadata metadata, int memberSize) {
      entries[i] = new Entry(entries[i].key, value, metadata, memberSize);
    }

    void insert(int at, String key, String value, BaggageEntryMetadata metadata, int memberSize) {
      ensureRoom();
      if (at < size) {
        System.arraycopy(entries, at, entries, at + 1, size - at);
      }
      entries[at] = new Entry(key, value, metadata, memberSize);
      size++;
    }

    /** The baggage of the entries collected (exactly sized arrays); empties this builder. */
    Baggage buildAndClear() {
      if (size == 0) {
        return Baggage.empty();
      }
      Baggage built = new ArrayBaggage(java.util.Arrays.copyOf(entries, size));
      java.util.Arrays.fill(entries, 0, size, null); // nothing of one call stays reachable from the thread
      size = 0;
      if (entries.length > 64) {
        entries = new Entry[8]; // a baggage past the W3C member limit does not keep its array on the thread
      }
      return built;
    }

    private void ensureRoom() {
      if (size == entries.length) {
        int capacity = Math.max(4, size * 2);
        entries = java.util.Arrays.copyOf(entries, capacity);
      }
    }
  }
}
