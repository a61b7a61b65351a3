package dev.acitrace.grpc;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.util.Objects.requireNonNull;

import dev.acitrace.grpc.internal.GrpcMetadata;
import io.grpc.Metadata;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code grpc-trace-bin} trace context: the binary format of OpenCensus that gRPC's OpenTelemetry
 * module (gRFC A72) still speaks, as a plain {@link TextMapPropagator}.
 *
 * <p>Wire format (OpenCensus {@code BinaryEncoding.md}, 29 bytes): version {@code 0}; field {@code 0} and
 * the 16-byte trace id; field {@code 1} and the 8-byte span id; field {@code 2} and the 1-byte trace options
 * (the W3C trace flags). Decoding follows the format's rules: the fields are read in order and reading
 * stops at the first unknown field id, so a newer sender's extra fields are ignored; an unknown version,
 * a missing or cut-short trace or span id, a cut-short trace-options field, or all-zero ids make the header
 * absent. Nothing malformed ever throws: {@link #extract} then returns the context it was given.
 *
 * <p>With the metadata setter and getter acitrace's interceptors pass on a gRPC {@link Metadata} carrier, the
 * header is written and read as binary metadata, with no
 * base64 step: gRPC's transports base64 it themselves on the wire, as every gRPC peer expects. With any
 * other carrier the value is the unpadded base64 text of the bytes (padded text is read too), as gRPC's
 * own propagator writes it for text carriers. The trace state is not part of the format and is not carried; use {@code traceparent} too
 * (a composite propagator) when peers need it.
 *
 * <p>Select it with {@code OTEL_PROPAGATORS=grpc-trace-bin} (or {@code tracecontext,grpc-trace-bin})
 * when {@code tracing-bundle} is present.
 *
 * @see <a href="https://github.com/census-instrumentation/opencensus-specs/blob/master/encodings/BinaryEncoding.md">OpenCensus binary encoding</a>
 * @see <a href="https://github.com/grpc/proposal/blob/master/A72-open-telemetry-tracing.md">gRFC A72</a>
 */
public final class GrpcTraceBinPropagator implements TextMapPropagator {

  /** The header name. */
  public static final String HEADER = "grpc-trace-bin";

  /** The binary metadata key of {@link #HEADER}. */
  public static final Metadata.Key<byte[]> KEY = Metadata.Key.of(HEADER, Metadata.BINARY_BYTE_MARSHALLER);

  /** Length of a version-0 value with all three fields. */
  public static final int LENGTH = 29;

  private static final Logger logger = Logger.getLogger(GrpcTraceBinPropagator.class.getName());

  private static final byte VERSION = 0;
  private static final byte TRACE_ID_FIELD = 0;
  private static final byte SPAN_ID_FIELD = 1;
  private static final byte TRACE_OPTIONS_FIELD = 2;
  private static final int TRACE_ID_OFFSET = 2;
  private static final int TRACE_ID_BYTES = 16;
  private static final int SPAN_ID_FIELD_OFFSET = TRACE_ID_OFFSET + TRACE_ID_BYTES;
  private static final int SPAN_ID_OFFSET = SPAN_ID_FIELD_OFFSET + 1;
  private static final int SPAN_ID_BYTES = 8;
  private static final int OPTIONS_FIELD_OFFSET = SPAN_ID_OFFSET + SPAN_ID_BYTES;
  /** Version, two field ids and two ids: the shortest value that can carry a span context. */
  private static final int REQUIRED_LENGTH = OPTIONS_FIELD_OFFSET;
  /** Base64 characters that decode to at least {@link #LENGTH} bytes (10 groups of 4 = 30 bytes). */
  private static final int TEXT_PREFIX = 40;

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final List<String> FIELDS = List.of(HEADER);
  /** Unpadded, as gRPC writes binary headers on the wire and as its own propagator writes text. */
  private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();
  private static final GrpcTraceBinPropagator INSTANCE = new GrpcTraceBinPropagator();

  private GrpcTraceBinPropagator() {}

  /** The propagator; it is stateless. */
  public static GrpcTraceBinPropagator getInstance() {
    return INSTANCE;
  }

  @Override
  public Collection<String> fields() {
    return FIELDS;
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    if (context == null || setter == null) {
      return;
    }
    SpanContext spanContext = Span.fromContext(context).getSpanContext();
    if (!spanContext.isValid()) {
      return;
    }
    byte[] value = encode(spanContext);
    if (carrier instanceof Metadata && setter == (Object) GrpcMetadata.setter()) {
      Metadata headers = (Metadata) carrier;
      headers.discardAll(KEY); // replace, never append: receivers read the first value
      headers.put(KEY, value);
    } else {
      try {
        setter.set(carrier, HEADER, BASE64.encodeToString(value));
      } catch (RuntimeException e) {
        // e.g. a gRPC setter that builds a text key for every name: "-bin" names are rejected there
        logger.log(Level.FINE, "the setter refused grpc-trace-bin; not injected", e);
      }
    }
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    if (context == null) {
      return Context.root();
    }
    if (getter == null) {
      return context;
    }
    SpanContext spanContext;
    try {
      spanContext = decode(read(carrier, getter));
    } catch (RuntimeException e) {
      // only a foreign getter can get here; our own decoding throws nothing
      logger.log(Level.FINE, "reading grpc-trace-bin failed; ignoring it", e);
      return context;
    }
    return spanContext.isValid() ? context.with(Span.wrap(spanContext)) : context;
  }

  private static <C> byte[] read(C carrier, TextMapGetter<C> getter) {
    if (carrier instanceof Metadata && getter == (Object) GrpcMetadata.getter()) {
      return ((Metadata) carrier).get(KEY);
    }
    String text = getter.get(carrier, HEADER);
    if (text == null) {
      return null;
    }
    // Only the first LENGTH bytes matter (later fields are ones we would skip), so decode a bounded
    // prefix: whatever a caller sends costs at most 40 characters of work.
    String prefix = text.length() > TEXT_PREFIX ? text.substring(0, TEXT_PREFIX) : text;
    try {
      return Base64.getDecoder().decode(prefix.getBytes(ISO_8859_1));
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }

  /**
   * The version-0 encoding of {@code spanContext}: {@link #LENGTH} bytes.
   *
   * @throws IllegalArgumentException if {@code spanContext} is not valid
   */
  public static byte[] encode(SpanContext spanContext) {
    requireNonNull(spanContext, "spanContext");
    if (!spanContext.isValid()) {
      throw new IllegalArgumentException("spanContext: not valid");
    }
    byte[] bytes = new byte[LENGTH];
    bytes[0] = VERSION;
    bytes[1] = TRACE_ID_FIELD;
    fromHex(spanContext.getTraceId(), bytes, TRACE_ID_OFFSET, TRACE_ID_BYTES);
    bytes[SPAN_ID_FIELD_OFFSET] = SPAN_ID_FIELD;
    fromHex(spanContext.getSpanId(), bytes, SPAN_ID_OFFSET, SPAN_ID_BYTES);
    bytes[OPTIONS_FIELD_OFFSET] = TRACE_OPTIONS_FIELD;
    bytes[OPTIONS_FIELD_OFFSET + 1] = spanContext.getTraceFlags().asByte();
    return bytes;
  }

  /**
   * The remote span context {@code bytes} carry, or {@link SpanContext#getInvalid()} when they carry none
   * (null, empty, another version, truncated, all-zero ids). Never throws.
   */
  public static SpanContext decode(byte[] bytes) {
    if (bytes == null || bytes.length < REQUIRED_LENGTH || bytes[0] != VERSION
        || bytes[1] != TRACE_ID_FIELD || bytes[SPAN_ID_FIELD_OFFSET] != SPAN_ID_FIELD) {
      return SpanContext.getInvalid();
    }
    byte flags = 0;
    if (bytes.length > OPTIONS_FIELD_OFFSET && bytes[OPTIONS_FIELD_OFFSET] == TRACE_OPTIONS_FIELD) {
      if (bytes.length < LENGTH) {
        return SpanContext.getInvalid(); // a known field cut short: the header is damaged
      }
      flags = bytes[OPTIONS_FIELD_OFFSET + 1];
    }
    // any other byte here is an unknown field id: decoding stops, what was read stands
    SpanContext spanContext = SpanContext.createFromRemoteParent(
        toHex(bytes, TRACE_ID_OFFSET, TRACE_ID_BYTES), toHex(bytes, SPAN_ID_OFFSET, SPAN_ID_BYTES),
        TraceFlags.fromByte(flags), TraceState.getDefault());
    return spanContext.isValid() ? spanContext : SpanContext.getInvalid();
  }

  private static String toHex(byte[] bytes, int offset, int length) {
    char[] chars = new char[length * 2];
    for (int i = 0; i < length; i++) {
      int b = bytes[offset + i] & 0xff;
      chars[2 * i] = HEX[b >>> 4];
      chars[2 * i + 1] = HEX[b & 0xf];
    }
    return new String(chars);
  }

  /** Valid span contexts hold lower-case hex ids of the right length. */
  private static void fromHex(String hex, byte[] out, int offset, int length) {
    for (int i = 0; i < length; i++) {
      out[offset + i] = (byte) ((Character.digit(hex.charAt(2 * i), 16) << 4)
          | Character.digit(hex.charAt(2 * i + 1), 16));
    }
  }

  @Override
  public String toString() {
    return "GrpcTraceBinPropagator";
  }
}
