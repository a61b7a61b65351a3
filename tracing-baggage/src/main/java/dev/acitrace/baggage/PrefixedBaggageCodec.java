package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * One header per baggage entry, in the OpenTracing/Jaeger style (provider name {@code prefixed}): the entry
 * {@code request.id=r-1} travels as the header {@code baggage-request.id: r-1}.
 *
 * <p>Exact encoding:
 *
 * <ul>
 *   <li><b>Header name</b>: {@value #PREFIX} followed by the key, escaped so that the name is a valid gRPC
 *       metadata key ({@code [0-9a-z_.-]}) and the key comes back exactly, case included: characters
 *       {@code 0-9 a-z . -} are kept, {@code _} is written as {@code __}, and every other token character
 *       (upper-case letters, {@code !#$%&'*+^`|~}) as {@code _} and two lower-case hex digits
 *       ({@code User} becomes {@code _55ser}). Standard keys such as {@code request.id} need no escaping.
 *       Header names are read case-insensitively.
 *   <li><b>Header value</b>: exactly a W3C member's value part: the percent-encoded value, then
 *       {@code ;properties} when the entry has metadata.
 * </ul>
 *
 * <p>Limits and malformed input are handled as in {@link W3CBaggageCodec}; the byte limit is measured as
 * the W3C member {@code key=value[;properties]} would be, so both codecs let the same entries through. A
 * header whose name does not unescape to a valid key, or whose value does not parse, is skipped.
 * {@link #fields()} is empty because the header names depend on the baggage.
 *
 * <p>Extraction lists the carrier's headers with {@link TextMapGetter#keys}, so it needs a getter that
 * implements that method (deprecated in OpenTelemetry 1.68, with a default that returns nothing); a getter
 * that does not carries no prefixed baggage.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PrefixedBaggageCodec implements BaggageCodec {

  /** The prefix of every header this codec writes and reads. */
  public static final String PREFIX = "baggage-";

  private static final PrefixedBaggageCodec DEFAULT = new PrefixedBaggageCodec(BaggageLimits.W3C);
  private static final char[] HEX_LOWER = "0123456789abcdef".toCharArray();

  private final BaggageLimits limits;

  private PrefixedBaggageCodec(BaggageLimits limits) {
    this.limits = limits;
  }

  /** A codec with the W3C limits (64 entries, 8192 bytes). */
  public static PrefixedBaggageCodec create() {
    return DEFAULT;
  }

  /** A codec with the given limits. */
  public static PrefixedBaggageCodec create(BaggageLimits limits) {
    requireNonNull(limits, "limits");
    return limits.equals(BaggageLimits.W3C) ? DEFAULT : new PrefixedBaggageCodec(limits);
  }

  /** The limits this codec applies. */
  public BaggageLimits limits() {
    return limits;
  }

  @Override
  public Collection<String> fields() {
    return List.of();
  }

  @Override
  public <C> void inject(Baggage baggage, C carrier, TextMapSetter<C> setter) {
    if (baggage == null || setter == null || baggage.isEmpty()) {
      return;
    }
    int[] state = new int[2]; // members, bytes
    int maxMembers = limits.maxMembers();
    int maxBytes = limits.maxBytes();
    baggage.forEach((String key, BaggageEntry entry) -> {
      if (state[0] >= maxMembers || key == null || entry == null || !BaggageWire.isValidKeyCached(key)) {
        return;
      }
      String value = entry.getValue();
      String properties = entry.getMetadata().getValue();
      if (value == null || value.length() > maxBytes) {
        return;
      }
      boolean hasProperties = properties != null && !BaggageWire.isBlank(properties);
      if (hasProperties && !BaggageWire.isValidProperties(properties)) {
        return;
      }
      BaggageWire.AsciiBuffer out = new BaggageWire.AsciiBuffer(value.length() + 8);
      BaggageWire.writeEncodedValue(out, value);
      if (hasProperties) {
        out.write(';');
        out.writeAscii(properties.trim());
      }
      int size = key.length() + 1 + out.length;
      int needed = state[0] == 0 ? size : state[1] + 1 + size;
      if (needed > maxBytes) {
        return;
      }
      setter.set(carrier, headerName(key), out.toString());
      state[0]++;
      state[1] = needed;
    });
  }

  @Override
  // keys() is deprecated since OpenTelemetry 1.68 (its default returns nothing), yet a per-entry header
  // format cannot be read without listing the headers; gRPC and HTTP getters implement it
  @SuppressWarnings("deprecation")
  public <C> Baggage extract(C carrier, TextMapGetter<C> getter) {
    if (getter == null) {
      return Baggage.empty();
    }
    try {
      Iterable<String> names = getter.keys(carrier);
      if (names == null) {
        return Baggage.empty();
      }
      BaggageReader reader = null;
      try {
        for (String name : names) {
          if (name == null
              || name.length() <= PREFIX.length()
              || !name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            continue;
          }
          String key = keyOf(name);
          String value = key == null ? null : getter.get(carrier, name);
          if (value != null) {
            if (reader == null) {
              reader = BaggageReader.open(limits);
            }
            reader.readValue(value, 0, 0, 0, key, 0, value.length());
          }
        }
      } catch (RuntimeException | Error e) {
        if (reader != null) {
          reader.abandon();
        }
        throw e;
      }
      return reader == null ? Baggage.empty() : reader.result();
    } catch (RuntimeException e) {
      // a carrier or getter that misbehaves must not fail the call that carries the baggage
      return Baggage.empty();
    }
  }

  @Override
  public String toString() {
    return "PrefixedBaggageCodec{" + limits + "}";
  }

  /** The header that carries {@code key}, which must be a valid key. */
  static String headerName(String key) {
    int n = key.length();
    int i = 0;
    while (i < n && keptAsIs(key.charAt(i))) {
      i++;
    }
    if (i == n) {
      return PREFIX.concat(key);
    }
    StringBuilder out = new StringBuilder(PREFIX.length() + n + 8).append(PREFIX).append(key, 0, i);
    for (; i < n; i++) {
      char c = key.charAt(i);
      if (keptAsIs(c)) {
        out.append(c);
      } else if (c == '_') {
        out.append("__");
      } else {
        out.append('_').append(HEX_LOWER[c >> 4]).append(HEX_LOWER[c & 0xF]);
      }
    }
    return out.toString();
  }

  /** The key carried by header {@code name} (which starts with the prefix), or null if it is not one. */
  static String keyOf(String name) {
    int start = PREFIX.length();
    int n = name.length();
    int i = start;
    while (i < n && keptAsIs(name.charAt(i))) {
      i++;
    }
    if (i == n) {
      return name.substring(start);
    }
    // header names are case-insensitive and escapes are lower case: read the name lower-cased
    String lower = name.toLowerCase(Locale.ROOT);
    StringBuilder key = new StringBuilder(n - start).append(lower, start, i);
    for (; i < n; i++) {
      char c = lower.charAt(i);
      if (keptAsIs(c)) {
        key.append(c);
      } else if (c == '_' && i + 1 < n && lower.charAt(i + 1) == '_') {
        key.append('_');
        i++;
      } else if (c == '_' && i + 2 < n) {
        int hi = hexDigit(lower.charAt(i + 1));
        int lo = hexDigit(lower.charAt(i + 2));
        if (hi < 0 || lo < 0) {
          return null;
        }
        char decoded = (char) ((hi << 4) | lo);
        if (!BaggageWire.isTokenChar(decoded) || keptAsIs(decoded) || decoded == '_') {
          return null; // not how we escape: reject rather than accept two spellings of one key
        }
        key.append(decoded);
        i += 2;
      } else {
        return null;
      }
    }
    return key.toString();
  }

  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  }

  private static boolean keptAsIs(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  }
}
