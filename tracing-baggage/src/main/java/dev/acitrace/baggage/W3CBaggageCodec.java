package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.spi.BaggageCodec;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The W3C Baggage format in the {@code baggage} header: {@code key=value;properties} members separated by
 * commas, values percent-encoded as UTF-8. This is the default codec (provider name {@code w3c}) and speaks
 * the same wire format as OpenTelemetry's {@code W3CBaggagePropagator}, both ways.
 *
 * <p>Both directions follow the W3C grammar exactly: {@code key OWS "=" OWS value *( OWS ";" OWS property )},
 * {@code property = key OWS "=" OWS value / key OWS}, keys tokens, values baggage-octets. A member off the
 * grammar (a space inside a property, an empty property, a property key that is not a token, ...) is dropped
 * with its properties, never relayed: strict peers such as Go's {@code baggage.Parse} reject a whole header
 * for one such member.
 *
 * <p>Writing: an entry whose key is not a W3C token, or whose metadata does not follow the property
 * grammar, is left out. Every character of a value that is not a baggage-octet, and {@code %} and
 * {@code +}, is percent-encoded, so any Unicode text comes back unchanged. Properties (the entry's
 * {@link io.opentelemetry.api.baggage.BaggageEntryMetadata}) are written trimmed.
 *
 * <p>Reading: all {@code baggage} headers are read in order as one list. Malformed members are skipped and
 * the others kept; a {@code %} escape that is not valid UTF-8 decodes to U+FFFD; of duplicate keys the last
 * wins and takes one member slot. Nothing is ever thrown.
 *
 * <p>Both directions apply {@link BaggageLimits} by leaving out whole members, measured as they will be
 * written (a broken escape read as one byte counts as the nine of its U+FFFD): once the member limit is
 * reached no new key is taken; a member that would go over the byte limit is skipped and later, smaller
 * ones may still fit.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @see <a href="https://www.w3.org/TR/baggage/">W3C Baggage</a>
 */
public final class W3CBaggageCodec implements BaggageCodec {

  /** The header name. */
  public static final String HEADER = "baggage";

  private static final List<String> FIELDS = List.of(HEADER);

  /**
   * A per-thread writer and its encoding buffer: a header is built in the buffer and copied once into the
   * header String, so an inject allocates that String and nothing else, and costs one thread-local lookup.
   * Buffers that grew past {@link #MAX_SCRATCH} (a baggage close to the 8192-byte limit full of escapes)
   * are not kept.
   */
  private static final ThreadLocal<Writer> WRITER = ThreadLocal.withInitial(Writer::new);

  private static final int SCRATCH = 1024;
  private static final int MAX_SCRATCH = 16 * 1024;
  private static final W3CBaggageCodec DEFAULT = new W3CBaggageCodec(BaggageLimits.W3C);

  private final BaggageLimits limits;

  private W3CBaggageCodec(BaggageLimits limits) {
    this.limits = limits;
  }

  /** A codec with the W3C limits (64 members, 8192 bytes). */
  public static W3CBaggageCodec create() {
    return DEFAULT;
  }

  /** A codec with the given limits. */
  public static W3CBaggageCodec create(BaggageLimits limits) {
    requireNonNull(limits, "limits");
    return limits.equals(BaggageLimits.W3C) ? DEFAULT : new W3CBaggageCodec(limits);
  }

  /** The limits this codec applies. */
  public BaggageLimits limits() {
    return limits;
  }

  @Override
  public Collection<String> fields() {
    return FIELDS;
  }

  @Override
  public <C> void inject(Baggage baggage, C carrier, TextMapSetter<C> setter) {
    if (baggage == null || setter == null || baggage.isEmpty()) {
      return;
    }
    Writer writer = WRITER.get();
    String header;
    if (writer.lastBaggage == baggage && writer.lastCodec == this) {
      // Baggage is immutable: the one this thread wrote last (a caller making several calls in one
      // context) gets the header it got then
      header = writer.lastHeader;
    } else {
      if (writer.busy) {
        // a Baggage whose forEach injects again on this thread: the thread's writer is taken
        writer = new Writer();
      }
      writer.start(limits);
      try {
        baggage.forEach(writer);
        header = writer.members > 0 ? writer.toString() : null;
      } finally {
        writer.finish();
      }
      writer.remember(this, baggage, header);
    }
    if (header != null) {
      setter.set(carrier, HEADER, header);
    }
  }

  @Override
  public <C> Baggage extract(C carrier, TextMapGetter<C> getter) {
    if (getter == null) {
      return Baggage.empty();
    }
    try {
      Iterator<String> headers = getter.getAll(carrier, HEADER);
      if (headers == null) {
        return Baggage.empty();
      }
      if (!headers.hasNext()) {
        return Baggage.empty();
      }
      BaggageReader reader = BaggageReader.open(limits);
      try {
        while (headers.hasNext()) {
          String header = headers.next();
          if (header != null && !header.isEmpty()) {
            reader.readList(header);
          }
        }
      } catch (RuntimeException | Error e) {
        reader.abandon();
        throw e;
      }
      return reader.result();
    } catch (RuntimeException e) {
      // a carrier or getter that misbehaves must not fail the call that carries the baggage
      return Baggage.empty();
    }
  }

  @Override
  public String toString() {
    return "W3CBaggageCodec{" + limits + "}";
  }

  /**
   * Writes members into its ASCII buffer; one instance per thread, reused by every inject on it. Remembers
   * the last baggage it wrote, with the codec and the header (null: nothing to write), so that injecting the
   * same baggage again costs nothing.
   */
  private static final class Writer extends BaggageWire.AsciiBuffer
      implements BiConsumer<String, BaggageEntry> {
    int maxMembers;
    int maxBytes;
    int members;
    boolean busy;
    W3CBaggageCodec lastCodec;
    Baggage lastBaggage;
    String lastHeader;

    Writer() {
      super(SCRATCH);
    }

    void start(BaggageLimits limits) {
      busy = true;
      maxMembers = limits.maxMembers();
      maxBytes = limits.maxBytes();
      members = 0;
      length = 0;
    }

    void remember(W3CBaggageCodec codec, Baggage baggage, String header) {
      lastCodec = codec;
      lastBaggage = baggage;
      lastHeader = header;
    }

    void finish() {
      busy = false;
      if (buf.length > MAX_SCRATCH) {
        buf = new byte[SCRATCH];
      }
    }

    @Override
    public void accept(String key, BaggageEntry entry) {
      if (members >= maxMembers || key == null || entry == null || !BaggageWire.isValidKeyCached(key)) {
        return;
      }
      String value = entry.getValue();
      String properties = entry.getMetadata().getValue();
      if (value == null || value.length() > maxBytes) {
        return; // cheaper than encoding it: an encoded value is never shorter than the value
      }
      boolean hasProperties = properties != null && !BaggageWire.isBlank(properties);
      if (hasProperties && !BaggageWire.isValidProperties(properties)) {
        return;
      }
      int mark = length;
      // one capacity check for the separator, key, '=' and the value if it needs no escaping
      ensure(key.length() + value.length() + 2);
      if (members > 0) {
        buf[length++] = ',';
      }
      copyAscii(key);
      buf[length++] = '=';
      BaggageWire.writeEncodedValue(this, value);
      if (hasProperties) {
        write(';');
        writeAscii(properties.trim());
      }
      if (length > maxBytes) {
        length = mark; // never a partial member
        return;
      }
      members++;
    }
  }
}
