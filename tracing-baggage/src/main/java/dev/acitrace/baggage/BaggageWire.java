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
  private static final boolean[] PROPERTY_CHAR = new boolean[128];
  private static final byte[] HEX_VALUE = new byte[128];
  private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

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
    // properties are carried verbatim: any visible ASCII, space or tab, but never the member separator
    for (int c = 0x20; c <= 0x7E; c++) {
      PROPERTY_CHAR[c] = c != ',';
    }
    PROPERTY_CHAR['\t'] = true;
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

  static boolean isPropertyChar(char c) {
    return c < 128 && PROPERTY_CHAR[c];
  }

  static boolean isOws(char c) {
    return c == ' ' || c == '\t';
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

  /** Whether entry metadata can be written verbatim as the properties of a member (empty counts). */
  static boolean isValidProperties(String properties) {
    for (int i = 0, n = properties.length(); i < n; i++) {
      if (!isPropertyChar(properties.charAt(i))) {
        return false;
      }
    }
    return true;
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

  /** The length of {@code value} once percent-encoded by {@link #appendEncodedValue}. */
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
   * Appends {@code value} percent-encoded as UTF-8: baggage-octets other than {@code %} and {@code +} as
   * they are, everything else as {@code %XX} (upper-case hex). An unpaired surrogate is written as U+FFFD,
   * the character a UTF-8 decoder would produce for it anyway.
   */
  static void appendEncodedValue(StringBuilder out, String value) {
    int n = value.length();
    int i = 0;
    // the common case is a plain ASCII value: copy the longest safe prefix in one go
    while (i < n) {
      char c = value.charAt(i);
      if (c >= 128 || !VALUE_SAFE[c]) {
        break;
      }
      i++;
    }
    out.append(value, 0, i);
    for (; i < n; i++) {
      char c = value.charAt(i);
      if (c < 128) {
        if (VALUE_SAFE[c]) {
          out.append(c);
        } else {
          appendByte(out, c);
        }
      } else if (c < 0x800) {
        appendByte(out, 0xC0 | (c >> 6));
        appendByte(out, 0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        char low;
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(low = value.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, low);
          appendByte(out, 0xF0 | (cp >> 18));
          appendByte(out, 0x80 | ((cp >> 12) & 0x3F));
          appendByte(out, 0x80 | ((cp >> 6) & 0x3F));
          appendByte(out, 0x80 | (cp & 0x3F));
          i++;
        } else {
          out.append("%EF%BF%BD");
        }
      } else {
        appendByte(out, 0xE0 | (c >> 12));
        appendByte(out, 0x80 | ((c >> 6) & 0x3F));
        appendByte(out, 0x80 | (c & 0x3F));
      }
    }
  }

  private static void appendByte(StringBuilder out, int b) {
    out.append('%').append(HEX_UPPER[(b >> 4) & 0xF]).append(HEX_UPPER[b & 0xF]);
  }

  /**
   * Decodes the percent-encoded value {@code s[start, end)}, which holds only baggage-octets. Octet
   * sequences that are not UTF-8, and a {@code %} not followed by two hex digits, become U+FFFD, as the
   * spec asks; the decoder never fails.
   */
  static String decodeValue(String s, int start, int end, boolean hasEscapes) {
    if (!hasEscapes) {
      return s.substring(start, end);
    }
    byte[] bytes = new byte[end - start];
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
