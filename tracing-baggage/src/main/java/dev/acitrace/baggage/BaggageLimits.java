package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

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

  /**
   * {@code baggage} with room for the entry {@code key=value} (no metadata) within these limits: the
   * baggage itself when {@code baggage} plus that entry fits (an existing {@code key} entry counts as
   * replaced), otherwise a copy without as many members as needed, dropped from the end (in key order):
   * first the keys that are not {@linkplain BaggageKeys standard}, then, if that is not enough, standard
   * ones. The {@code key} entry itself is never dropped (the caller sets it next). Sizes are measured as
   * the W3C format writes them, so what the result plus the entry holds is what an inject sends.
   *
   * <p>This is how a server adds its request id to a caller's baggage that is already at the limit
   * without the next inject silently leaving the id out.
   *
   * @throws NullPointerException naming the argument that is null
   */
  public Baggage makeRoom(Baggage baggage, String key, String value) {
    requireNonNull(baggage, "baggage");
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    int added = key.length() + 1 + BaggageWire.encodedValueLength(value);
    if (baggage instanceof ArrayBaggage) {
      // extracted by our codecs, which measured each member as they read it: no pass over the entries
      ArrayBaggage extracted = (ArrayBaggage) baggage;
      int members = extracted.size();
      int bytes = extracted.memberBytes();
      BaggageEntry replaced = extracted.getEntry(key);
      if (replaced != null) {
        members--;
        bytes -= BaggageWire.memberSize(key, replaced);
      }
      if (fits(members + 1, bytes, added)) {
        return baggage;
      }
    } else {
      Sizer sizer = new Sizer(key, false);
      baggage.forEach(sizer);
      if (fits(sizer.members + 1, sizer.bytes, added)) {
        return baggage;
      }
    }
    Sizer sizer = new Sizer(key, true); // the rare case: now note each member
    baggage.forEach(sizer);
    List<String> dropped = new ArrayList<>();
    int members = sizer.members;
    int bytes = sizer.bytes;
    for (int pass = 0; pass < 2 && !fits(members + 1, bytes, added); pass++) {
      boolean standard = pass == 1;
      for (int i = sizer.keys.size() - 1; i >= 0 && !fits(members + 1, bytes, added); i--) {
        String k = sizer.keys.get(i);
        if (BaggageKeys.isStandard(k) == standard && !dropped.contains(k)) {
          dropped.add(k);
          members--;
          bytes -= sizer.sizes.get(i);
        }
      }
    }
    BaggageBuilder builder = baggage.toBuilder();
    for (String k : dropped) {
      builder.remove(k);
    }
    return builder.build();
  }

  /** Whether {@code members} entries of {@code bytes} (members, separators excluded) plus one of {@code added} fit. */
  private boolean fits(int members, int bytes, int added) {
    // members - 1 separators: the members already counted, plus the added entry, minus one
    return members <= maxMembers && (long) bytes + added + (members - 1) <= maxBytes;
  }

  /** The size of each member as the W3C format writes it, without separators; skips {@code except}. */
  private static final class Sizer implements BiConsumer<String, BaggageEntry> {
    private final String except;
    final List<String> keys;
    final List<Integer> sizes;
    int members;
    int bytes;

    Sizer(String except, boolean collect) {
      this.except = except;
      this.keys = collect ? new ArrayList<>() : null;
      this.sizes = collect ? new ArrayList<>() : null;
    }

    @Override
    public void accept(String key, BaggageEntry entry) {
      if (key == null || entry == null || key.equals(except) || entry.getValue() == null) {
        return;
      }
      int size = BaggageWire.memberSize(key, entry);
      if (keys != null) {
        keys.add(key);
        sizes.add(size);
      }
      members++;
      bytes += size;
    }
  }
}
