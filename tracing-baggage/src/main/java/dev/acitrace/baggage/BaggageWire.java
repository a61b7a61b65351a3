package dev.acitrace.baggage;

import java.nio.charset.StandardCharsets;

/**
 * The character-level rules of the W3C Baggage format, shared by both codecs and by the input checks of
 * {@link BaggageContext}. Everything here is table driven and allocation free except where a decoded
 * string has to be produced; no regular expressions.
 *
 * @see <a href="https://www.w3.org/TR/baggage/#definition">W3C Baggage, definition</a>
 */
final class BaggageWire {

  /** The spec's maximum number of list-members. */
  static final int W3C_MAX_MEMBERS = 64;

  /** The spec's maximum size of a baggage string, all {@code baggage} headers together, in bytes. */
  static final int W3C_MAX_BYTES = 8192;

  private static final boolean[] TOKEN = new boolean[128];
  private static final boolean[] VALUE_OCTET = new boolean[128];
  private static final boolean[] VALUE_SAFE = new boolean[128];
  private static final byte[] HEX_VALUE = new byte[128];
  private static final byte[] HEX_UPPER = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  static {
    // token (RFC 7230 3.2.6): ALPHA / DIGIT / !#$%&'*+-.^_`|~
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 'a' + 'A'] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
    // baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
    for (int c = 0x21; c <= 0x7E; c++) {
      VALUE_OCTET[c] = c != '"' && c != ',' && c != ';' && c != '\\';
    }
    // What we write unencoded: every baggage-octet except '%' (the escape) and '+', which decoders
    // built on form-decoding (OpenTelemetry Python's unquote_plus, for one) would turn into a space.
    for (int c = 0; c < 128; c++) {
      VALUE_SAFE[c] = VALUE_OCTET[c] && c != '%' && c != '+';
    }
    java.util.Arrays.fill(HEX_VALUE, (byte) -1);
    for (int i = 0; i < 10; i++) {
      HEX_VALUE['0' + i] = (byte) i;
    }
    for (int i = 0; i < 6; i++) {
      HEX_VALUE['a' + i] = (byte) (10 + i);
      HEX_VALUE['A' + i] = (byte) (10 + i);
    }
  }

  private BaggageWire() {}

  static boolean isTokenChar(char c) {
    return c < 128 && TOKEN[c];
  }

  static boolean isValueOctet(char c) {
    return c < 128 && VALUE_OCTET[c];
  }

  static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * Keys recently found valid, by hash. The same few keys are written on every call, and checking a key
   * character by character was the largest cost of encoding: a hit is a cached hash, an array read and an
   * identity (or intrinsic equals) comparison. Racy by design: a slot holds an immutable String or null,
   * and a lost update only costs one more validation.
   */
  private static final String[] VALID_KEYS = new String[256];

  /** {@link #isValidKey}, remembering valid keys. */
  static boolean isValidKeyCached(String key) {
    int slot = key.hashCode() & (VALID_KEYS.length - 1);
    String known = VALID_KEYS[slot];
    if (known == key || (known != null && known.equals(key))) {
      return true;
    }
    if (!isValidKey(key)) {
      return false;
    }
    VALID_KEYS[slot] = key;
    return true;
  }

  /**
   * The key {@code s[start, end)}, a token read from a header whose {@code String.hashCode} is {@code hash}:
   * the cached String when this key was seen before (written or read), a new one (then cached) otherwise.
   * Callers pick keys from a small set, so reading them usually allocates nothing.
   */
  static String key(String s, int start, int end, int hash) {
    int slot = hash & (VALID_KEYS.length - 1);
    String known = VALID_KEYS[slot];
    int length = end - start;
    if (known != null && known.length() == length && s.regionMatches(start, known, 0, length)) {
      return known;
    }
    String key = s.substring(start, end);
    VALID_KEYS[slot] = key; // a token by construction: valid for the writer too
    return key;
  }

  /** Whether {@code key} is a non-empty W3C {@code token}. */
  static boolean isValidKey(String key) {
    int n = key.length();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!isTokenChar(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether entry metadata can be written verbatim as the properties of a member: it must follow the
   * grammar {@code OWS property *( OWS ";" OWS property ) OWS} (see {@link #propertyListEnd}).
   */
  static boolean isValidProperties(String properties) {
    return propertyListEnd(properties, 0, properties.length()) >= 0;
  }

  /**
   * Parses {@code s[from, end)} as {@code OWS property *( OWS ";" OWS property ) OWS}, where
   * {@code property = key OWS "=" OWS value / key OWS}, {@code key} a token and {@code value} any
   * baggage-octets (W3C Baggage, section 3.3.1). Returns the index just past the last property (trailing
   * whitespace excluded), or -1 when the text does not follow the grammar: an empty property
   * ({@code ;;}, a trailing {@code ;}), a key that is not a token, a space inside a key or value, a
   * character that is not a baggage-octet. No allocation.
   */
  static int propertyListEnd(String s, int from, int end) {
    int i = from;
    while (true) {
      while (i < end && isOws(s.charAt(i))) {
        i++;
      }
      int keyStart = i;
      while (i < end && isTokenChar(s.charAt(i))) {
        i++;
      }
      if (i == keyStart) {
        return -1;
      }
      int contentEnd = i;
      while (i < end && isOws(s.charAt(i))) {
        i++;
      }
      if (i < end && s.charAt(i) == '=') {
        i++;
        contentEnd = i;
        while (i < end && isOws(s.charAt(i))) {
          i++;
        }
        int valueStart = i;
        while (i < end && isValueOctet(s.charAt(i))) {
          i++;
        }
        if (i > valueStart) {
          contentEnd = i;
        }
        while (i < end && isOws(s.charAt(i))) {
          i++;
        }
      }
      if (i == end) {
        return contentEnd;
      }
      if (s.charAt(i) != ';') {
        return -1;
      }
      i++;
    }
  }

  /** Whether {@code s} holds nothing but spaces and tabs. */
  static boolean isBlank(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (!isOws(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The index of the first unpaired surrogate in {@code s}, or -1 when {@code s} is well-formed UTF-16
   * (and so survives a trip through UTF-8 unchanged).
   */
  static int unpairedSurrogate(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * The bytes the W3C writer spends on the member {@code key=value[;properties]} (separator excluded),
   * whether or not it would actually write it.
   */
  static int memberSize(String key, io.opentelemetry.api.baggage.BaggageEntry entry) {
    int size = key.length() + 1 + encodedValueLength(entry.getValue());
    String properties = entry.getMetadata() == null ? null : entry.getMetadata().getValue();
    if (properties != null && !isBlank(properties)) {
      size += 1 + properties.trim().length();
    }
    return size;
  }

  /** The length of {@code value} once percent-encoded by {@link #writeEncodedValue}. */
  static int encodedValueLength(String value) {
    int length = 0;
    for (int i = 0, n = value.length(); i < n; i++) {
      char c = value.charAt(i);
      if (c < 128) {
        length += VALUE_SAFE[c] ? 1 : 3;
      } else if (c < 0x800) {
        length += 6;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
        length += 12;
        i++;
      } else {
        length += 9; // a BMP character, or an unpaired surrogate written as U+FFFD
      }
    }
    return length;
  }

  /**
   * Writes {@code value} percent-encoded as UTF-8: baggage-octets other than {@code %} and {@code +} as
   * they are, everything else as {@code %XX} (upper-case hex). An unpaired surrogate is written as U+FFFD,
   * the character a UTF-8 decoder would produce for it anyway. Codecs build
   * headers in a byte array because every encoded character is ASCII: that saves StringBuilder's
   * per-append checks and yields the header String with one copy.
   */
  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the cheap copy of ASCII chars
  static void writeEncodedValue(AsciiBuffer out, String value) {
    int n = value.length();
    int i = 0;
    // most values need no escaping: find the safe prefix, then copy it in one go. Four characters a
    // step with one branch: the scan is most of what encoding a plain value costs.
    for (int last = n - 4; i <= last; i += 4) {
      char c0 = value.charAt(i);
      char c1 = value.charAt(i + 1);
      char c2 = value.charAt(i + 2);
      char c3 = value.charAt(i + 3);
      if ((c0 | c1 | c2 | c3) >= 128 || !(VALUE_SAFE[c0] & VALUE_SAFE[c1] & VALUE_SAFE[c2] & VALUE_SAFE[c3])) {
        break;
      }
    }
    while (i < n) {
      char c = value.charAt(i);
      if (c >= 128 || !VALUE_SAFE[c]) {
        break;
      }
      i++;
    }
    out.ensure(i);
    value.getBytes(0, i, out.buf, out.length);
    out.length += i;
    if (i < n) {
      writeEncodedTail(out, value, i);
    }
  }

  /** The rest of {@link #writeEncodedValue} from the first character that needs escaping. */
  private static void writeEncodedTail(AsciiBuffer out, String value, int from) {
    int n = value.length();
    // budget three bytes a character, enough for any ASCII; a non-ASCII character tops it up
    out.ensure(3 * (n - from));
    byte[] b = out.buf;
    int at = out.length;
    for (int i = from; i < n; i++) {
      char c = value.charAt(i);
      if (c < 128) {
        if (VALUE_SAFE[c]) {
          b[at++] = (byte) c;
        } else {
          at = pct(b, at, c);
        }
        continue;
      }
      int remaining = 3 * (n - i - 1);
      if (at + 12 + remaining > b.length) {
        out.length = at;
        out.ensure(12 + remaining);
        b = out.buf;
      }
      if (c < 0x800) {
        at = pct(b, at, 0xC0 | (c >> 6));
        at = pct(b, at, 0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        char low;
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(low = value.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, low);
          at = pct(b, at, 0xF0 | (cp >> 18));
          at = pct(b, at, 0x80 | ((cp >> 12) & 0x3F));
          at = pct(b, at, 0x80 | ((cp >> 6) & 0x3F));
          at = pct(b, at, 0x80 | (cp & 0x3F));
          i++;
        } else {
          at = pct(b, at, 0xEF);
          at = pct(b, at, 0xBF);
          at = pct(b, at, 0xBD);
        }
      } else {
        at = pct(b, at, 0xE0 | (c >> 12));
        at = pct(b, at, 0x80 | ((c >> 6) & 0x3F));
        at = pct(b, at, 0x80 | (c & 0x3F));
      }
    }
    out.length = at;
  }

  private static int pct(byte[] b, int at, int octet) {
    b[at] = '%';
    b[at + 1] = HEX_UPPER[(octet >> 4) & 0xF];
    b[at + 2] = HEX_UPPER[octet & 0xF];
    return at + 3;
  }

  /** A growable ASCII byte buffer; the codecs' alternative to StringBuilder. */
  static class AsciiBuffer {
    byte[] buf;
    int length;

    AsciiBuffer(int capacity) {
      buf = new byte[capacity];
    }

    void ensure(int extra) {
      if (length + extra > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(length + extra, 2 * buf.length));
      }
    }

    void write(char c) {
      ensure(1);
      buf[length++] = (byte) c;
    }

    /** Writes the ASCII string {@code s}. */
    void writeAscii(String s) {
      ensure(s.length());
      copyAscii(s);
    }

    /** Writes the ASCII string {@code s}, for which the caller has ensured room. */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the cheap copy of ASCII chars
    void copyAscii(String s) {
      s.getBytes(0, s.length(), buf, length);
      length += s.length();
    }

    // String(byte[], int hibyte, int, int): the one constructor that copies Latin-1 bytes into a String
    // without a charset lookup or decoder; every byte here is ASCII, so hibyte 0 is exact.
    @SuppressWarnings("deprecation")
    @Override
    public String toString() {
      return new String(buf, 0, 0, length);
    }
  }

  /**
   * Decodes the percent-encoded value {@code s[start, end)}, which holds only baggage-octets. Octet
   * sequences that are not UTF-8, and a {@code %} not followed by two hex digits, become U+FFFD, as the
   * spec asks; the decoder never fails.
   */
  static String decodeValue(String s, int start, int end, boolean hasEscapes, byte[] scratch) {
    if (!hasEscapes) {
      return s.substring(start, end);
    }
    byte[] bytes = scratch != null && scratch.length >= end - start ? scratch : new byte[end - start];
    int length = 0;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c == '%') {
        int hi = i + 1 < end ? hexValue(s.charAt(i + 1)) : -1;
        int lo = i + 2 < end ? hexValue(s.charAt(i + 2)) : -1;
        if (hi < 0 || lo < 0) {
          // 0xFF is never valid UTF-8, so the String decoder below turns it into U+FFFD
          bytes[length++] = (byte) 0xFF;
          continue;
        }
        bytes[length++] = (byte) ((hi << 4) | lo);
        i += 2;
      } else {
        bytes[length++] = (byte) c;
      }
    }
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  private static int hexValue(char c) {
    return c < 128 ? HEX_VALUE[c] : -1;
  }
}
