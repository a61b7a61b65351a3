package dev.acitrace.baggage;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import java.util.Random;

/** Generates valid baggage: token keys, arbitrary Unicode values, random W3C properties. Seeded, so reproducible. */
final class BaggageGenerator {

  private static final String TOKEN_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
  /** Characters that break naive codecs. */
  private static final String NASTY = ",;%= \"\\+&?/:@[]{}~\t\r\n\u0000\u007f";
  /** Property text: baggage-octets (what OpenTelemetry and we carry verbatim), no ',' or ';'. */
  private static final String PROPERTY_CHARS = "abcXYZ019!#$%&'()*+-./:<>?@[]^_`{|}~";

  private final Random random;

  BaggageGenerator(long seed) {
    this.random = new Random(seed);
  }

  Baggage baggage(int maxEntries) {
    BaggageBuilder builder = Baggage.builder();
    int entries = random.nextInt(maxEntries + 1);
    for (int i = 0; i < entries; i++) {
      builder.put(key(), value(random.nextInt(25)), metadata());
    }
    return builder.build();
  }

  String key() {
    int length = 1 + random.nextInt(random.nextInt(4) == 0 ? 40 : 12);
    StringBuilder key = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      key.append(TOKEN_CHARS.charAt(random.nextInt(TOKEN_CHARS.length())));
    }
    return key.toString();
  }

  /** Any well-formed Unicode text of up to {@code codePoints} code points. */
  String value(int codePoints) {
    StringBuilder value = new StringBuilder();
    for (int i = 0; i < codePoints; i++) {
      int kind = random.nextInt(10);
      int cp;
      if (kind < 3) {
        cp = 0x20 + random.nextInt(0x5F); // printable ASCII
      } else if (kind < 5) {
        cp = NASTY.charAt(random.nextInt(NASTY.length()));
      } else if (kind < 6) {
        cp = random.nextInt(0x20); // control characters
      } else if (kind < 7) {
        cp = 0x80 + random.nextInt(0x780); // two UTF-8 bytes
      } else if (kind < 8) {
        do {
          cp = 0x800 + random.nextInt(0x10000 - 0x800); // three bytes, no lone surrogates
        } while (Character.isSurrogate((char) cp));
      } else if (kind < 9) {
        cp = 0x1F300 + random.nextInt(0x300); // emoji: surrogate pairs
      } else {
        cp = 0x10000 + random.nextInt(0x100000); // any supplementary code point
      }
      value.appendCodePoint(cp);
    }
    return value.toString();
  }

  BaggageEntryMetadata metadata() {
    int properties = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
    if (properties == 0) {
      return BaggageEntryMetadata.empty();
    }
    StringBuilder metadata = new StringBuilder();
    for (int i = 0; i < properties; i++) {
      if (i > 0) {
        metadata.append(';');
      }
      metadata.append(key());
      if (random.nextBoolean()) {
        metadata.append('=');
        int length = random.nextInt(10);
        for (int j = 0; j < length; j++) {
          metadata.append(PROPERTY_CHARS.charAt(random.nextInt(PROPERTY_CHARS.length())));
        }
      }
    }
    return BaggageEntryMetadata.create(metadata.toString());
  }

  /** The size the W3C format gives {@code baggage}, the measure both codecs' limits use. */
  static int w3cSize(Baggage baggage) {
    int[] size = {-1};
    baggage.forEach((key, entry) -> {
      String properties = entry.getMetadata().getValue();
      size[0] += 1 + key.length() + 1 + BaggageWire.encodedValueLength(entry.getValue())
          + (properties.isEmpty() ? 0 : 1 + properties.length());
    });
    return Math.max(0, size[0]);
  }
}
