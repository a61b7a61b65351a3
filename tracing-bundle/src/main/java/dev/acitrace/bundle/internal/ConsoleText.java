package dev.acitrace.bundle.internal;

/**
 * The one place where text reaches the operator's terminal: every string the console exporter prints that
 * it did not write itself (span names, attribute keys and values, status descriptions, exception messages,
 * service names; many of them caller-controlled, since baggage is copied onto spans) goes through
 * {@link #append}. A caller must not be able to move the cursor, clear or retitle the terminal, hide text
 * or reorder it on screen.
 */
final class ConsoleText {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private ConsoleText() {}

  /**
   * Appends {@code text} with every character a terminal could act on written as a {@code \}{@code uXXXX}
   * escape: C0 controls (ESC, CR, LF, NUL, TAB, ...), DEL, C1 controls (U+0080-U+009F, among them the
   * 8-bit CSI), unpaired surrogates, the line and paragraph separators, and the bidirectional formatting
   * characters (embeddings, overrides, isolates, marks) that can make text display in another order than
   * it is stored. A backslash is written as {@code \\}, so an escape in the output always means an escaped
   * character, never one the caller typed.
   */
  static StringBuilder append(StringBuilder out, CharSequence text) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (needsEscape(c)) {
        out.append('\\').append('u')
            .append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
      } else {
        out.append(c);
      }
    }
    return out;
  }

  /** {@link #append} into a new String. */
  static String escape(CharSequence text) {
    return append(new StringBuilder(text.length() + 8), text).toString();
  }

  private static boolean needsEscape(char c) {
    return c < 0x20
        || (c >= 0x7F && c <= 0x9F)
        || Character.isSurrogate(c) // a paired one was handled by the caller
        || c == 0x061C // ARABIC LETTER MARK
        || c == 0x200E || c == 0x200F // LEFT-TO-RIGHT / RIGHT-TO-LEFT MARK
        || (c >= 0x2028 && c <= 0x202E) // LINE / PARAGRAPH SEPARATOR, embeddings and overrides
        || (c >= 0x2066 && c <= 0x2069); // isolates
  }

  /** The number of columns {@code line} takes, counting each code point as one. */
  static int columns(CharSequence line) {
    return Character.codePointCount(line, 0, line.length());
  }

  /**
   * Cuts {@code line} (from {@code start}) to at most {@code width} columns, ending it with an ellipsis when
   * it was longer; never splits a surrogate pair or an escape sequence this class wrote.
   */
  static void fit(StringBuilder line, int start, int width) {
    int columns = 0;
    int cut = -1;
    for (int i = start; i < line.length(); i = line.offsetByCodePoints(i, 1)) {
      if (columns == width - 1 && cut < 0) {
        cut = i; // where the ellipsis goes if the line turns out too long
      }
      if (++columns > width) {
        int at = backOffEscape(line, start, cut);
        line.setLength(at);
        line.append('…');
        return;
      }
    }
  }

  /** {@code cut}, moved back to the start of an escape sequence it would otherwise split. */
  private static int backOffEscape(StringBuilder line, int start, int cut) {
    for (int back = 1; back <= 5 && cut - back >= start; back++) {
      if (line.charAt(cut - back) == '\\' && line.charAt(cut - back + 1) == 'u' && cut - back + 6 > cut) {
        int slashes = 0;
        for (int j = cut - back; j >= start && line.charAt(j) == '\\'; j--) {
          slashes++;
        }
        if (slashes % 2 == 1) {
          return cut - back;
        }
      }
    }
    if (cut - 1 >= start && line.charAt(cut - 1) == '\\') {
      int slashes = 0;
      for (int j = cut - 1; j >= start && line.charAt(j) == '\\'; j--) {
        slashes++;
      }
      if (slashes % 2 == 1) {
        return cut - 1; // half of an escaped backslash
      }
    }
    return cut;
  }
}
