package dev.acitrace.baggage;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;

/**
 * The state of one extraction: entries accepted so far, counted against the limits. One instance per
 * thread, reused by every {@code extract} on it ({@link #open} ... {@link #result}); not thread-safe.
 * Parsing is a single forward pass over each header with table lookups; a member that does not parse is
 * skipped and parsing goes on after the next comma. An extraction allocates the resulting baggage (exactly
 * sized), its entries and their values; keys seen before come from {@link BaggageWire#key}'s cache, and
 * nothing is decoded for a member the limits turn away.
 *
 * <p>The limits count what an inject will write for the accepted entries, not the wire bytes read: a
 * broken escape decodes to U+FFFD and re-encodes as nine bytes, a {@code +} re-encodes as three, optional
 * whitespace is not written again. Of duplicate keys the last wins and takes one member slot; once the
 * member limit is reached, only keys already accepted are still read (their last value wins).
 */
final class BaggageReader {

  private static final ThreadLocal<BaggageReader> READER = ThreadLocal.withInitial(BaggageReader::new);

  private int maxMembers;
  private int maxBytes;
  private boolean busy;
  private final ArrayBaggage.Builder builder = new ArrayBaggage.Builder(8);
  /** Accepted entries, and their sizes as written ({@code key=value[;properties]}), separators excluded. */
  private int members;
  private int bytes;
  /** Reused for decoding values that hold escapes, so a value costs one allocation: its String. */
  private byte[] scratch;

  private BaggageReader() {}

  /**
   * This thread's reader, emptied and set to {@code limits}; {@link #result} hands it back. A getter that
   * extracts again while the thread's reader is open (a reentrant carrier) gets a reader of its own.
   */
  static BaggageReader open(BaggageLimits limits) {
    BaggageReader reader = READER.get();
    if (reader.busy) {
      reader = new BaggageReader();
    }
    reader.busy = true;
    reader.maxMembers = limits.maxMembers();
    reader.maxBytes = limits.maxBytes();
    reader.members = 0;
    reader.bytes = 0;
    return reader;
  }

  /** The baggage read since {@link #open}, empty when nothing was accepted; closes the reader. */
  Baggage result() {
    busy = false;
    return builder.buildAndClear();
  }

  /** Closes the reader without a result (the getter threw). */
  void abandon() {
    busy = false;
    builder.buildAndClear();
  }

  /** Reads a W3C baggage string: list-members separated by commas. */
  void readList(String header) {
    int n = header.length();
    int start = 0;
    while (start < n) {
      int comma = header.indexOf(',', start);
      int end = comma < 0 ? n : comma;
      readMember(header, start, end);
      start = end + 1;
    }
  }

  /** Reads one list-member {@code OWS key OWS "=" OWS value *( OWS ";" OWS property ) OWS} from {@code s[start, end)}. */
  private void readMember(String s, int start, int end) {
    while (start < end && BaggageWire.isOws(s.charAt(start))) {
      start++;
    }
    int keyEnd = start;
    int hash = 0; // String.hashCode of the key, for the key cache
    char c;
    while (keyEnd < end && BaggageWire.isTokenChar(c = s.charAt(keyEnd))) {
      hash = 31 * hash + c;
      keyEnd++;
    }
    if (keyEnd == start) {
      return; // empty member, or a key that starts with a character no token has
    }
    int i = keyEnd;
    while (i < end && BaggageWire.isOws(s.charAt(i))) {
      i++;
    }
    if (i == end || s.charAt(i) != '=') {
      return;
    }
    readValue(s, start, keyEnd, hash, null, i + 1, end);
  }

  /**
   * Reads an entry given as a key (either {@code s[keyStart, keyEnd)}, whose {@code String.hashCode} is
   * {@code keyHash}, or {@code key}) and the text {@code OWS value *( OWS ";" OWS property ) OWS} in
   * {@code s[from, end)}; skips it whole when that text does not follow the grammar or the entry does not
   * fit the limits.
   */
  void readValue(String s, int keyStart, int keyEnd, int keyHash, String key, int from, int end) {
    int i = from;
    while (i < end && BaggageWire.isOws(s.charAt(i))) {
      i++;
    }
    int valueStart = i;
    boolean escapes = false;
    boolean plus = false;
    char c;
    while (i < end && BaggageWire.isValueOctet(c = s.charAt(i))) {
      escapes |= c == '%';
      plus |= c == '+';
      i++;
    }
    int valueEnd = i;
    while (i < end && BaggageWire.isOws(s.charAt(i))) {
      i++;
    }
    int propertiesStart = -1;
    int propertiesEnd = -1;
    if (i < end) {
      if (s.charAt(i) != ';') {
        return; // a character no value may hold (space inside, quote, backslash, control, non-ASCII)
      }
      propertiesEnd = BaggageWire.propertyListEnd(s, i + 1, end);
      if (propertiesEnd < 0) {
        return; // properties off the grammar: the member goes with them
      }
      propertiesStart = i + 1;
      while (BaggageWire.isOws(s.charAt(propertiesStart))) {
        propertiesStart++;
      }
    }
    if (key == null) {
      key = BaggageWire.key(s, keyStart, keyEnd, keyHash);
    }
    int at = builder.find(key);
    if (at < 0 && members >= maxMembers) {
      return; // no slot for a new key; a later value of an accepted key may still replace it
    }
    // A value without escapes is measured before it is decoded, so one that does not fit costs nothing.
    int keyAndProperties = key.length() + 1 + (propertiesStart < 0 ? 0 : 1 + propertiesEnd - propertiesStart);
    String value = null;
    int valueSize;
    if (escapes || plus) {
      if (escapes && (scratch == null || scratch.length < valueEnd - valueStart)) {
        scratch = new byte[Math.max(64, valueEnd - valueStart)];
      }
      value = BaggageWire.decodeValue(s, valueStart, valueEnd, escapes, scratch);
      valueSize = BaggageWire.encodedValueLength(value);
    } else {
      valueSize = valueEnd - valueStart;
    }
    int size = keyAndProperties + valueSize;
    int needed = at >= 0 ? bytes - builder.sizeAt(at) + size : bytes + size;
    int separators = at >= 0 ? members - 1 : members;
    if (needed + separators > maxBytes) {
      return; // too big to fit: drop this member whole, a later smaller one may still fit
    }
    if (value == null) {
      value = s.substring(valueStart, valueEnd);
    }
    BaggageEntryMetadata metadata = propertiesStart < 0
        ? BaggageEntryMetadata.empty()
        : BaggageEntryMetadata.create(s.substring(propertiesStart, propertiesEnd));
    if (at >= 0) {
      builder.replace(at, value, metadata, size); // duplicate key: the last one wins, as in OpenTelemetry
    } else {
      builder.insert(-(at + 1), key, value, metadata, size);
      members++;
    }
    bytes = needed;
  }
}
