package dev.acitrace.baggage;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;

/**
 * The state of one extraction: entries accepted so far, counted against the limits. One instance per
 * {@code extract} call; not thread-safe. Parsing is a single forward pass over each header with table
 * lookups; a member that does not parse is skipped and parsing goes on after the next comma.
 */
final class BaggageReader {

  private final int maxMembers;
  private final int maxBytes;
  private ArrayBaggage.Builder builder;
  private int members;
  private int bytes;
  /** Reused for decoding values that hold escapes, so a value costs one allocation: its String. */
  private byte[] scratch;

  BaggageReader(BaggageLimits limits) {
    this.maxMembers = limits.maxMembers();
    this.maxBytes = limits.maxBytes();
  }

  /** Whether no further entry can be accepted. */
  boolean full() {
    return members >= maxMembers;
  }

  Baggage result() {
    return builder == null ? Baggage.empty() : builder.build();
  }

  /** Reads a W3C baggage string: list-members separated by commas. */
  void readList(String header) {
    int n = header.length();
    int start = 0;
    while (start < n && !full()) {
      int comma = header.indexOf(',', start);
      int end = comma < 0 ? n : comma;
      readMember(header, start, end);
      start = end + 1;
    }
  }

  /** Reads one list-member {@code key OWS "=" OWS value OWS *( ";" property )} from {@code s[start, end)}. */
  private void readMember(String s, int start, int end) {
    while (start < end && BaggageWire.isOws(s.charAt(start))) {
      start++;
    }
    int keyEnd = start;
    while (keyEnd < end && BaggageWire.isTokenChar(s.charAt(keyEnd))) {
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
    readValue(s, start, keyEnd, null, i + 1, end);
  }

  /**
   * Reads an entry given as a key (either {@code s[keyStart, keyEnd)} or {@code key}) and the text
   * {@code OWS value OWS *( ";" property )} in {@code s[from, end)}.
   */
  void readValue(String s, int keyStart, int keyEnd, String key, int from, int end) {
    int i = from;
    while (i < end && BaggageWire.isOws(s.charAt(i))) {
      i++;
    }
    int valueStart = i;
    boolean escapes = false;
    char c;
    while (i < end && BaggageWire.isValueOctet(c = s.charAt(i))) {
      escapes |= c == '%';
      i++;
    }
    int valueEnd = i;
    while (i < end && BaggageWire.isOws(s.charAt(i))) {
      i++;
    }
    int last = end;
    while (last > i && BaggageWire.isOws(s.charAt(last - 1))) {
      last--;
    }
    String properties = null;
    if (i < last) {
      if (s.charAt(i) != ';') {
        return; // a character no value may hold (space inside, quote, backslash, control, non-ASCII)
      }
      for (int p = i + 1; p < last; p++) {
        if (!BaggageWire.isPropertyChar(s.charAt(p))) {
          return;
        }
      }
      int propertiesStart = i + 1;
      while (propertiesStart < last && BaggageWire.isOws(s.charAt(propertiesStart))) {
        propertiesStart++;
      }
      properties = s.substring(propertiesStart, last);
    }
    int keyLength = key == null ? keyEnd - keyStart : key.length();
    int size = keyLength + 1 + (last - valueStart);
    int needed = members == 0 ? size : bytes + 1 + size;
    if (needed > maxBytes) {
      return; // too big to fit: drop this member whole, a later smaller one may still fit
    }
    if (key == null) {
      key = s.substring(keyStart, keyEnd);
    }
    if (escapes && (scratch == null || scratch.length < valueEnd - valueStart)) {
      scratch = new byte[Math.max(64, valueEnd - valueStart)];
    }
    String value = BaggageWire.decodeValue(s, valueStart, valueEnd, escapes, scratch);
    if (builder == null) {
      builder = new ArrayBaggage.Builder(Math.min(maxMembers, 8));
    }
    builder.put(
        key,
        value,
        properties == null || properties.isEmpty()
            ? BaggageEntryMetadata.empty()
            : BaggageEntryMetadata.create(properties));
    members++;
    bytes = needed;
  }
}
