package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;

/**
 * How much baggage a codec writes and accepts. Both codecs apply the limits on inject and on extract, by
 * leaving out whole entries, never by cutting one short.
 *
 * <p>Size is measured the way the W3C format would carry the entries: each entry is
 * {@code key=percent-encoded-value[;properties]}, entries are separated by one byte. The prefixed codec
 * measures the same way, so switching codecs never changes which entries travel.
 *
 * @param maxMembers the most entries written or accepted; at least 1
 * @param maxBytes the most bytes of all entries together; at least 1
 * @see <a href="https://www.w3.org/TR/baggage/#limits">W3C Baggage, limits</a>
 */
public record BaggageLimits(int maxMembers, int maxBytes) {

  /** The configuration key for {@link #maxMembers()}; default {@value BaggageWire#W3C_MAX_MEMBERS}. */
  public static final String MAX_MEMBERS_KEY = "acitrace.baggage.max-members";

  /** The configuration key for {@link #maxBytes()}; default {@value BaggageWire#W3C_MAX_BYTES}. */
  public static final String MAX_BYTES_KEY = "acitrace.baggage.max-bytes";

  /** The W3C limits: 64 members and 8192 bytes. */
  public static final BaggageLimits W3C = new BaggageLimits(BaggageWire.W3C_MAX_MEMBERS, BaggageWire.W3C_MAX_BYTES);

  /**
   * Validates the limits.
   *
   * @throws IllegalArgumentException naming the limit when it is below 1
   */
  public BaggageLimits {
    if (maxMembers < 1) {
      throw new IllegalArgumentException("maxMembers must be at least 1, got " + maxMembers);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be at least 1, got " + maxBytes);
    }
  }

  /**
   * The limits configured under {@value #MAX_MEMBERS_KEY} and {@value #MAX_BYTES_KEY}, each defaulting to
   * the W3C value.
   *
   * @throws IllegalArgumentException naming the key when a value is not an integer of at least 1
   */
  public static BaggageLimits fromConfig(TracingConfig config) {
    requireNonNull(config, "config");
    int members = config.getInt(MAX_MEMBERS_KEY, W3C.maxMembers);
    int bytes = config.getInt(MAX_BYTES_KEY, W3C.maxBytes);
    if (members < 1) {
      throw new IllegalArgumentException(MAX_MEMBERS_KEY + ": must be at least 1, got " + members);
    }
    if (bytes < 1) {
      throw new IllegalArgumentException(MAX_BYTES_KEY + ": must be at least 1, got " + bytes);
    }
    return new BaggageLimits(members, bytes);
  }
}
