package dev.acitrace.grpc.server;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.baggage.BaggageKeys;
import dev.acitrace.baggage.BaggageLimits;
import dev.acitrace.grpc.internal.GrpcContextBridge;
import dev.acitrace.grpc.internal.GrpcMetadata;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives every server call a request id in the {@value BaggageKeys#REQUEST_ID} baggage entry: the incoming
 * one when it is safe to trust, a new one otherwise. The id is in the baggage the handler sees and that
 * its outgoing calls propagate, and optionally echoed in a response header.
 *
 * <p><b>Two ways to use it.</b> With {@link GrpcServerTracing} (the usual case), pass it to
 * {@link GrpcServerTracing.Builder#requestIds(RequestIdServerInterceptor)} (its default): the tracing
 * interceptor then applies this policy itself, before its span starts, so the server span carries the id
 * as the {@code request.id} attribute. Used on its own (with another tracing library, or none), install it
 * as an ordinary interceptor; it reads the baggage current when it runs (so put it inside the tracing
 * interceptor: added to the server builder <em>before</em> it) or, when that holds no id, the request's
 * {@code baggage} header, and makes the resulting context current around every listener callback.
 *
 * <p><b>What is trusted.</b> An incoming id is reused when it is 1 to {@link Builder#maxLength(int)}
 * characters (default {@value #DEFAULT_MAX_LENGTH}) of {@code A-Z a-z 0-9 . _ : -}; anything else is
 * replaced, never sanitized. New ids are 128 random bits as 32 lower-case hex digits, drawn from
 * {@link ThreadLocalRandom} (as OpenTelemetry's own trace ids are): unique, cheap, not secret.
 *
 * <p><b>Within the baggage limits.</b> Setting the id never takes the handler's baggage over
 * {@link Builder#baggageLimits(BaggageLimits)}: when the caller's baggage is already full (64 members, or
 * close to 8192 bytes), members are dropped to make room, from the end in key order, keys that are not
 * standard first ({@link BaggageLimits#makeRoom}). Otherwise the next inject would leave out the id, the
 * one entry every outgoing call must carry.
 */
public final class RequestIdServerInterceptor implements ServerInterceptor {

  /** The default longest incoming id that is reused. */
  public static final int DEFAULT_MAX_LENGTH = 128;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final boolean[] SAFE = new boolean[128];

  static {
    for (char c = 'a'; c <= 'z'; c++) {
      SAFE[c] = true;
      SAFE[Character.toUpperCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      SAFE[c] = true;
    }
    SAFE['.'] = true;
    SAFE['_'] = true;
    SAFE[':'] = true;
    SAFE['-'] = true;
  }

  private static final Logger logger = Logger.getLogger(RequestIdServerInterceptor.class.getName());

  private final int maxLength;
  private final Metadata.Key<String> echoKey;
  private final TextMapPropagator propagator;
  private final BaggageLimits limits;

  private RequestIdServerInterceptor(Builder builder) {
    this.maxLength = builder.maxLength;
    this.limits = builder.limits != null ? builder.limits : defaultLimits();
    this.echoKey = builder.echoHeader == null ? null : GrpcMetadata.asciiKey(builder.echoHeader);
    this.propagator = builder.propagator;
    // The getter never caches the names it is asked for; the propagator's own are known, cache them now.
    GrpcMetadata.cacheKeys(propagator.fields());
  }

  /** Defaults: ids up to {@value #DEFAULT_MAX_LENGTH} characters reused, no echo header. */
  public static RequestIdServerInterceptor create() {
    return builder().build();
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether {@code id} may be reused as it is. */
  public boolean accepts(String id) {
    if (id == null) {
      return false;
    }
    int length = id.length();
    if (length == 0 || length > maxLength) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c >= 128 || !SAFE[c]) {
        return false;
      }
    }
    return true;
  }

  /** A new id: 128 random bits as 32 lower-case hex digits. */
  public String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] chars = new byte[32];
    fillHex(chars, 0, random.nextLong());
    fillHex(chars, 16, random.nextLong());
    return new String(chars, StandardCharsets.US_ASCII);
  }

  /** The response header the id is echoed in, if any. */
  public Optional<String> echoHeader() {
    return Optional.ofNullable(echoKey).map(Metadata.Key::name);
  }

  /** The echo key, or null. */
  Metadata.Key<String> echoKey() {
    return echoKey;
  }

  /** The baggage limits the id is made room for. */
  public BaggageLimits baggageLimits() {
    return limits;
  }

  /** {@code baggage} with its request id set to {@code id}, members dropped if needed to stay within the limits. */
  Baggage withRequestId(Baggage baggage, String id) {
    return RequestIdBaggage.with(limits.makeRoom(baggage, BaggageKeys.REQUEST_ID, id), id);
  }

  private static BaggageLimits defaultLimits() {
    try {
      return BaggageLimits.fromConfig(TracingConfig.fromEnvironment());
    } catch (IllegalArgumentException e) {
      // the baggage codec reports a bad limit when it is built; the id then keeps to the W3C limits
      logger.log(Level.FINE, "invalid baggage limits in the environment, using the W3C limits", e);
      return BaggageLimits.W3C;
    }
  }

  /** The id to use for a call whose baggage holds {@code incoming} (possibly null). */
  String resolve(String incoming) {
    return accepts(incoming) ? incoming : newRequestId();
  }

  private static void fillHex(byte[] chars, int offset, long value) {
    for (int i = 15; i >= 0; i--) {
      chars[offset + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Context current = GrpcContextBridge.current();
    Baggage baggage = Baggage.fromContext(current);
    String incoming = baggage.getEntryValue(BaggageKeys.REQUEST_ID);
    if (incoming == null && baggage.isEmpty()) {
      // nothing upstream extracted baggage (no tracing interceptor outside us): read the header ourselves
      baggage = extractBaggage(headers);
      incoming = baggage.getEntryValue(BaggageKeys.REQUEST_ID);
    }
    String id = resolve(incoming);
    Context context = current;
    if (!id.equals(incoming) || Baggage.fromContext(current) != baggage) {
      context = current.with(withRequestId(baggage, id));
    }
    ServerCall<ReqT, RespT> echoing = echoKey == null ? call : new EchoingCall<>(call, echoKey, id);
    if (context == current) {
      return next.startCall(echoing, headers);
    }
    return ContextListener.start(next, echoing, headers, context, null);
  }

  private Baggage extractBaggage(Metadata headers) {
    try {
      // only the baggage is kept from what is extracted, so extracting into the root context is fine
      return Baggage.fromContext(propagator.extract(Context.root(), headers, GrpcMetadata.getter()));
    } catch (RuntimeException e) {
      // a custom propagator's bug must not fail the call; the id is then generated
      logger.log(Level.FINE, "propagator " + propagator + " failed to extract baggage", e);
      return Baggage.empty();
    }
  }

  /** Adds the request id to the response headers, or to the trailers when no headers were sent. */
  static final class EchoingCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final Metadata.Key<String> key;
    private final String id;
    private boolean headersSent;

    EchoingCall(ServerCall<ReqT, RespT> delegate, Metadata.Key<String> key, String id) {
      super(delegate);
      this.key = key;
      this.id = id;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      headersSent = true;
      headers.discardAll(key); // never a second value beside one the handler set
      headers.put(key, id);
      super.sendHeaders(headers);
    }

    @Override
    public void close(io.grpc.Status status, Metadata trailers) {
      if (!headersSent) {
        trailers.discardAll(key);
        trailers.put(key, id);
      }
      super.close(status, trailers);
    }
  }

  /** Configures a {@link RequestIdServerInterceptor}. */
  public static final class Builder {
    private int maxLength = DEFAULT_MAX_LENGTH;
    private String echoHeader;
    private TextMapPropagator propagator = W3CBaggagePropagator.getInstance();
    private BaggageLimits limits;

    private Builder() {}

    /**
     * The limits the handler's baggage is kept within when the id is added: those of the codec that
     * injects it on outgoing calls. Default: {@link BaggageLimits#fromConfig} of
     * {@link TracingConfig#fromEnvironment()} ({@code acitrace.baggage.max-members} / {@code max-bytes},
     * the W3C limits when unset), as the baggage propagator reads them.
     */
    public Builder baggageLimits(BaggageLimits limits) {
      this.limits = requireNonNull(limits, "limits");
      return this;
    }

    /**
     * The longest incoming id reused; longer ones are replaced.
     *
     * @throws IllegalArgumentException if {@code maxLength} is not between 1 and 4096
     */
    public Builder maxLength(int maxLength) {
      if (maxLength < 1 || maxLength > 4096) {
        throw new IllegalArgumentException("maxLength: must be between 1 and 4096, got " + maxLength);
      }
      this.maxLength = maxLength;
      return this;
    }

    /**
     * Echo the id in this response header (e.g. {@code x-request-id}); in the trailers when the call ends
     * before sending headers. Default: no echo. The echo replaces any value the handler set for it.
     *
     * @throws IllegalArgumentException if {@code header} is not a valid ASCII header name, or is one gRPC
     *     or HTTP/2 reserves ({@code grpc-*}, {@code content-type}, {@code te}, {@code user-agent},
     *     pseudo-headers starting with {@code :})
     */
    public Builder echoHeader(String header) {
      requireNonNull(header, "header");
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("grpc-") || lower.startsWith(":") || lower.equals("content-type")
          || lower.equals("te") || lower.equals("user-agent")) {
        throw new IllegalArgumentException("header: '" + header + "' is reserved by gRPC/HTTP/2");
      }
      try {
        GrpcMetadata.asciiKey(header);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("header: '" + header + "' is not a valid ASCII header name", e);
      }
      this.echoHeader = header;
      return this;
    }

    /**
     * How the standalone interceptor reads baggage from request headers when no baggage is current;
     * default {@link W3CBaggagePropagator}. Unused when the policy runs inside {@link GrpcServerTracing},
     * which uses its OpenTelemetry instance's propagators.
     */
    public Builder propagator(TextMapPropagator propagator) {
      this.propagator = requireNonNull(propagator, "propagator");
      return this;
    }

    /** Builds the interceptor (and policy). */
    public RequestIdServerInterceptor build() {
      return new RequestIdServerInterceptor(this);
    }
  }
}
