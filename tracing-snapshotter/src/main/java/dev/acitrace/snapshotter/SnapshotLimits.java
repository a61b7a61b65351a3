package dev.acitrace.snapshotter;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * containerd's size limits on snapshot keys and labels, and the bounded echo of untrusted input in error
 * messages. Every {@link Snapshotter} implementation and the gRPC binding apply them, so a caller sees the
 * same answer whatever serves it.
 *
 * <p>Sizes are counted in bytes of UTF-8, as containerd counts them (Go strings are bytes), not in Java
 * {@code char}s.
 */
public final class SnapshotLimits {

  /** containerd's limit on one label: its key and value together, in UTF-8 bytes ({@code labels.Validate}). */
  public static final int MAX_LABEL_SIZE = 4096;

  /** The largest snapshot key, name or parent accepted when a snapshot is created or committed (UTF-8 bytes). */
  public static final int MAX_KEY_SIZE = 4096;

  /**
   * The largest encoded size of one snapshot's labels (protobuf map encoding), so that one snapshot's
   * {@code Info} always fits a 4 MiB gRPC message, key, parent and timestamps included.
   */
  public static final int MAX_LABELS_ENCODED_SIZE = 4 * 1024 * 1024 - 64 * 1024;

  /**
   * The longest {@code ~=} regular expression in a filter (characters): RE2 matches in linear time, but
   * compiling a pattern costs more than linear time in its length (about 7 s for 64 K characters here).
   */
  public static final int MAX_REGEX_SIZE = 1024;

  /** The most characters of regular expressions in all the filters of one call. */
  public static final int MAX_REGEX_TOTAL_SIZE = 4096;

  /** How many characters of a key, name or filter an error message repeats. */
  public static final int ECHO_LIMIT = 128;

  private SnapshotLimits() {}

  /**
   * Checks a key or name that is about to be stored.
   *
   * @param key the key or name
   * @param what the argument's name, for the message
   * @return the key
   * @throws InvalidArgumentException if it is empty or longer than {@link #MAX_KEY_SIZE} bytes
   */
  public static String checkKey(String key, String what) {
    if (key == null || key.isEmpty()) {
      throw new InvalidArgumentException(what + " must not be empty");
    }
    long size = utf8Length(key);
    if (size > MAX_KEY_SIZE) {
      throw new InvalidArgumentException(what + " " + quote(key) + " is " + size + " bytes, more than "
          + MAX_KEY_SIZE);
    }
    return key;
  }

  /**
   * Checks labels as containerd does: non-empty keys, key + value at most {@link #MAX_LABEL_SIZE} bytes;
   * and all of them together at most {@link #MAX_LABELS_ENCODED_SIZE} bytes encoded.
   *
   * @param labels the labels
   * @throws NullPointerException if {@code labels} is null
   * @throws InvalidArgumentException naming (a prefix of) the first label that breaks a limit
   */
  public static void checkLabels(Map<String, String> labels) {
    requireNonNull(labels, "labels");
    long total = 0;
    for (Map.Entry<String, String> label : labels.entrySet()) {
      String key = label.getKey();
      if (key.isEmpty()) {
        throw new InvalidArgumentException("label keys must not be empty");
      }
      long keySize = utf8Length(key);
      long valueSize = utf8Length(label.getValue());
      if (keySize + valueSize > MAX_LABEL_SIZE) {
        throw new InvalidArgumentException("label " + quote(key) + " is " + (keySize + valueSize)
            + " bytes (key and value), more than " + MAX_LABEL_SIZE);
      }
      total += encodedEntrySize(keySize, valueSize);
    }
    if (total > MAX_LABELS_ENCODED_SIZE) {
      throw new InvalidArgumentException(labels.size() + " labels take " + total + " bytes, more than "
          + MAX_LABELS_ENCODED_SIZE);
    }
  }

  /**
   * Quotes at most {@link #ECHO_LIMIT} characters of untrusted input for an error message, saying how long
   * the rest was: messages travel in gRPC trailers, which peers cap (8 KiB by default in grpc-java).
   *
   * @param value the input; null prints as {@code null}
   * @return the quoted, possibly shortened, value
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    if (value.length() <= ECHO_LIMIT) {
      return '"' + value + '"';
    }
    int end = ECHO_LIMIT;
    if (Character.isHighSurrogate(value.charAt(end - 1))) {
      end--; // never split a surrogate pair
    }
    return '"' + value.substring(0, end) + "\"... (" + value.length() + " chars)";
  }

  /**
   * The UTF-8 length of a string, without encoding it (unpaired surrogates count as the one byte
   * {@code ?} Java's encoder writes for them).
   *
   * @param s the string
   * @return its length in UTF-8 bytes
   */
  public static long utf8Length(String s) {
    long bytes = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        bytes++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /** Bytes one map entry takes in a protobuf message: field tag, length, and the entry's key and value fields. */
  private static long encodedEntrySize(long keySize, long valueSize) {
    long entry = 1 + varintSize(keySize) + keySize + 1 + varintSize(valueSize) + valueSize;
    return 1 + varintSize(entry) + entry;
  }

  private static int varintSize(long value) {
    int size = 1;
    while (value >= 0x80) {
      value >>>= 7;
      size++;
    }
    return size;
  }
}
