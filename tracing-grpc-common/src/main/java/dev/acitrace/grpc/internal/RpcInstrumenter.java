package dev.acitrace.grpc.internal;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.grpc.StatusRule;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The call-tracing lifecycle both interceptors run on (after OpenTelemetry instrumentation's
 * {@code Instrumenter}): what was resolved at build time (tracer, propagator, namer, enrichers, status rule,
 * hooks), the per-method cache, and the steps of a call, which a {@link TracedCall} walks through: start
 * ({@link #newCall}, {@link TracedCall#startSpan}), messages, end (status mapped by this side's rule, once).
 * The client call and the server listener are thin adapters of grpc-java's types onto it. Immutable apart
 * from the cache; safe for concurrent use. Not for public use.
 */
public final class RpcInstrumenter {

  private static final Logger logger = Logger.getLogger(RpcInstrumenter.class.getName());

  /**
   * Bound of the per-method cache. Registered services have far fewer methods; the bound matters when a
   * fallback handler registry lets callers choose method names. Past it, methods are described per call.
   */
  private static final int MAX_CACHED_METHODS = 4096;
  private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final Attributes SENT = Attributes.of(RpcSemconv.MESSAGE_TYPE, "SENT");
  private static final Attributes RECEIVED = Attributes.of(RpcSemconv.MESSAGE_TYPE, "RECEIVED");

  final Tracer tracer;
  private final TextMapPropagator propagator;
  /** The headers the propagator owns: injection replaces them (copied stale values never travel). */
  private final Metadata.Key<?>[] ownedKeys;
  final RpcSide side;
  private final SpanNamer spanNamer;
  private final Predicate<RpcMethod> methodFilter;
  private final AttributeEnricher[] enrichers;
  private final StatusRule statusRule;
  private final boolean[] errorByCode;
  final boolean messageEvents;
  private final boolean samplingAttributes;
  final MetadataCapture requestCapture;
  final MetadataCapture responseCapture;
  private final RpcSemconv.Mode mode;
  final SpanKind spanKind;
  /** The end-of-call hook, or null: then nothing is timed or counted for it. */
  final CallListener callListener;
  /** Whether the listener uses message sizes: then the interceptors add a stream tracer measuring them. */
  private final boolean measuresSizes;
  private final AttemptTracing attemptTracing;
  private final ConcurrentMap<String, MethodInfo> methods = new ConcurrentHashMap<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARNING_INTERVAL_NANOS);

  RpcInstrumenter(Tracer tracer, TextMapPropagator propagator, RpcSide side, SpanNamer spanNamer,
      Predicate<RpcMethod> methodFilter, List<AttributeEnricher> enrichers, StatusRule statusRule,
      boolean messageEvents, boolean samplingAttributes, MetadataCapture requestCapture,
      MetadataCapture responseCapture, RpcSemconv.Mode mode, CallListener callListener,
      AttemptTracing attemptTracing) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.side = side;
    this.spanNamer = spanNamer;
    this.methodFilter = methodFilter;
    this.enrichers = enrichers.toArray(new AttributeEnricher[0]);
    this.statusRule = statusRule;
    this.messageEvents = messageEvents;
    this.samplingAttributes = samplingAttributes;
    this.requestCapture = requestCapture;
    this.responseCapture = responseCapture;
    this.mode = mode;
    this.spanKind = side == RpcSide.CLIENT ? SpanKind.CLIENT : SpanKind.SERVER;
    this.callListener = callListener;
    this.measuresSizes = callListener != null && callListener.wantsSizes();
    this.attemptTracing = attemptTracing;
    // The propagator's own header names are known and few: cache their keys now, so that extraction
    // (whose getter never caches the names callers send) finds them without building a key per call.
    GrpcMetadata.cacheKeys(propagator.fields());
    this.ownedKeys = ownedKeys(propagator.fields());
    Status.Code[] codes = Status.Code.values();
    int max = 0;
    for (Status.Code code : codes) {
      max = Math.max(max, code.value());
    }
    this.errorByCode = new boolean[max + 1];
    for (Status.Code code : codes) {
      errorByCode[code.value()] = code != Status.Code.OK && statusRule.isError(code);
    }
  }

  /** The tracer. */
  public Tracer tracer() {
    return tracer;
  }

  /**
   * A call of {@code info}'s method in {@code parent} (the caller's context on a client, the extracted one on
   * a server); its span starts with {@link TracedCall#startSpan}.
   */
  public TracedCall newCall(MethodInfo info, Context parent) {
    if (info.instrumenter() != this) {
      throw new IllegalArgumentException("info: describes a method for another instrumenter");
    }
    return new TracedCall(info, parent);
  }

  /** The semantic-convention generation(s) written (for spans the hooks start, e.g. attempt spans). */
  public RpcSemconv.Mode semconvMode() {
    return mode;
  }

  /** Whether an end-of-call listener (RPC metrics) listens: then clients hand it their server attributes. */
  public boolean listening() {
    return callListener != null;
  }

  /**
   * Whether the end-of-call listener uses message sizes (RPC metrics in the old conventions): only then do
   * the interceptors measure them with a stream tracer ({@link CallSizes}).
   */
  public boolean measuresSizes() {
    return measuresSizes;
  }

  /** The per-attempt tracing hook (clients), or {@code null}. */
  public AttemptTracing attemptTracing() {
    return attemptTracing;
  }

  /**
   * Whether the constant attributes are given to the span builder, so that samplers see them, rather than
   * to the started span, only when it records.
   */
  public boolean samplingAttributes() {
    return samplingAttributes;
  }

  /** The cached description of {@code descriptor}'s method. */
  public MethodInfo method(MethodDescriptor<?, ?> descriptor) {
    String name = descriptor.getFullMethodName();
    MethodInfo info = methods.get(name);
    if (info != null) {
      return info;
    }
    info = describe(descriptor);
    if (methods.size() < MAX_CACHED_METHODS) {
      MethodInfo raced = methods.putIfAbsent(name, info);
      if (raced != null) {
        info = raced;
      }
    }
    return info;
  }

  private MethodInfo describe(MethodDescriptor<?, ?> descriptor) {
    RpcMethod method = RpcMethods.of(descriptor);
    boolean traced;
    try {
      traced = methodFilter.test(method);
    } catch (RuntimeException e) {
      // Past the cache bound this runs per call: rate-limited, like every other user-code failure.
      logRateLimited("method filter failed for " + method.fullName() + "; tracing it", e);
      traced = true;
    }
    String name;
    try {
      name = spanNamer.spanName(method, side);
    } catch (RuntimeException e) {
      logRateLimited("span namer failed for " + method.fullName() + "; using the full name", e);
      name = null;
    }
    if (name == null || name.isEmpty()) {
      name = method.fullName();
    }
    AttributesBuilder attributes = Attributes.builder();
    if (mode.emitOld()) {
      attributes.put(RpcSemconv.RPC_SYSTEM, RpcSemconv.GRPC);
      attributes.put(RpcSemconv.RPC_SERVICE, method.service());
      attributes.put(RpcSemconv.RPC_METHOD, method.method());
    }
    if (mode.emitNew()) {
      attributes.put(RpcSemconv.RPC_SYSTEM_NAME, RpcSemconv.GRPC);
      attributes.put(RpcSemconv.RPC_METHOD, method.fullName());
    }
    // grpc-java's own metrics tell generated methods this way; a fallback registry's descriptors have neither
    boolean known = side == RpcSide.CLIENT || descriptor.getSchemaDescriptor() != null
        || descriptor.isSampledToLocalTracing();
    Object listenerState = null;
    if (callListener != null) {
      try {
        listenerState = callListener.describe(method, known);
      } catch (RuntimeException e) {
        logRateLimited("call listener failed to describe " + method.fullName()
            + "; its calls end without its state", e);
      }
    }
    return new MethodInfo(
        this, method, name, traced, FlatAttributes.of(attributes.build()), known, listenerState);
  }

  /** Whether {@code code} marks the span ERROR under this side's rule. */
  public boolean isError(Status.Code code) {
    int value = code.value();
    return value < errorByCode.length && errorByCode[value];
  }

  /** The keys of {@code fields}; names gRPC cannot carry are skipped. */
  private static Metadata.Key<?>[] ownedKeys(java.util.Collection<String> fields) {
    List<Metadata.Key<?>> keys = new java.util.ArrayList<>();
    for (String field : fields) {
      if (field != null) {
        try {
          // binary fields (grpc-trace-bin) are owned too: a relay must not forward the caller's copy
          keys.add(GrpcMetadata.isBinary(field)
              ? Metadata.Key.of(field, Metadata.BINARY_BYTE_MARSHALLER)
              : GrpcMetadata.asciiKey(field));
        } catch (IllegalArgumentException notAHeaderName) {
          // nothing to discard
        }
      }
    }
    return keys.toArray(new Metadata.Key<?>[0]);
  }

  /**
   * Injects {@code context} into request headers. A propagator that throws (the built-in ones never do)
   * costs the call its propagation, never the call itself.
   */
  public void inject(Context context, Metadata headers) {
    try {
      // A relay that copied its incoming headers holds the caller's traceparent/baggage: remove them, so
      // that an inject writing nothing (no baggage left) leaves none behind; the setter replaces the rest.
      for (Metadata.Key<?> key : ownedKeys) {
        headers.discardAll(key);
      }
      propagator.inject(context, headers, GrpcMetadata.setter());
    } catch (RuntimeException e) {
      propagationFailed("inject", e);
    }
  }

  /**
   * Extracts the caller's context from request headers into {@code base}; {@code base} itself when the
   * propagator throws (the built-in ones never do: malformed headers are ignored).
   */
  public Context extract(Context base, Metadata headers) {
    try {
      return propagator.extract(base, headers, GrpcMetadata.getter());
    } catch (RuntimeException e) {
      propagationFailed("extract", e);
      return base;
    }
  }

  /**
   * The context a server call's context is built on: the current one, without any span or baggage.
   *
   * <p>Not simply the root context: with {@code grpc-context-override-opentelemetry} on the classpath the
   * current OpenTelemetry context holds the call's {@code io.grpc.Context} (deadline, cancellation), which
   * must survive. But a span or baggage current on the thread belongs to whoever ran before (with an
   * in-process, direct-executor channel: the caller) and must not leak into the call.
   */
  public static Context serverBase() {
    Context base = Context.current();
    if (base == Context.root()) {
      return base;
    }
    if (Span.fromContextOrNull(base) != null) {
      base = base.with(Span.getInvalid());
    }
    if (Baggage.fromContextOrNull(base) != null) {
      base = base.with(Baggage.empty());
    }
    return base;
  }

  /**
   * The caller's context extracted from request headers, on {@link #serverBase()}'s terms: what the current
   * context holds survives, except a span or baggage the headers did not replace. Extracts into the current
   * context and takes out only what is left of it, rather than building the stripped base first: with an
   * in-process, direct-executor channel the current context is the caller's, and the headers replace its
   * span and baggage anyway (the propagators replace, never merge), which saves two context copies per call.
   */
  public Context extractForServer(Metadata headers) {
    Context current = Context.current();
    Context extracted = extract(current, headers);
    if (current == Context.root()) {
      return extracted;
    }
    Span staleSpan = Span.fromContextOrNull(current);
    if (staleSpan != null && Span.fromContextOrNull(extracted) == staleSpan) {
      extracted = extracted.with(Span.getInvalid());
    }
    Baggage staleBaggage = Baggage.fromContextOrNull(current);
    if (staleBaggage != null && Baggage.fromContextOrNull(extracted) == staleBaggage) {
      extracted = extracted.with(Baggage.empty());
    }
    return extracted;
  }

  private void propagationFailed(String what, RuntimeException e) {
    logRateLimited("propagator " + propagator + " failed to " + what + "; the call goes on without it", e);
  }

  /** Runs the enrichers' {@code onStart}; call only for recording spans. */
  public void enrichStart(RpcRequestInfo request, Span span) {
    for (AttributeEnricher enricher : enrichers) {
      try {
        enricher.onStart(request, span);
      } catch (Throwable e) {
        enricherFailed(enricher, "onStart", e);
      }
    }
  }

  /** Adds a message event when they are enabled and the span records. */
  public void messageEvent(Span span, boolean sent, long id) {
    if (messageEvents && span.isRecording()) {
      Attributes type = sent ? SENT : RECEIVED;
      span.addEvent(RpcSemconv.MESSAGE_EVENT,
          type.toBuilder().put(RpcSemconv.MESSAGE_ID, id).build());
    }
  }

  /**
   * Records the outcome of {@code call} on its span and ends it. Attribute work happens only when the span
   * records. The span is ended whatever that work throws; a {@link RuntimeException} from it (an exception
   * whose {@code toString()} throws, met by {@code recordException}) is logged, not thrown, so the caller's
   * callback still runs. Only {@link Span#end()} itself (a span processor) can throw out of here.
   */
  void finish(TracedCall call, Span span) {
    try {
      if (span.isRecording()) {
        record(call, span);
      }
    } catch (RuntimeException e) {
      logRateLimited("recording the outcome of a " + side + " span failed; the span ends without it", e);
    } finally {
      span.end();
    }
  }

  private void record(TracedCall call, Span span) {
    recordStatus(span, call.code(), call.statusDescription());
    span.setAttribute(RpcSemconv.RPC_GRPC_DURATION_MS, TimeUnit.NANOSECONDS.toMillis(call.durationNanos()));
    Throwable error = call.error();
    if (error != null) {
      span.recordException(error);
    }
    Metadata trailers = call.trailersOrNull();
    if (trailers != null && !responseCapture.isEmpty()) {
      responseCapture.capture(trailers, span);
    }
    for (AttributeEnricher enricher : enrichers) {
      try {
        enricher.onEnd(call, call, span);
      } catch (Throwable e) {
        enricherFailed(enricher, "onEnd", e);
      }
    }
  }

  /**
   * Records {@code code} on a recording span as this side's rule says (status code attributes of the
   * semantic-convention generation(s) written; for an error, {@code error.type} and the ERROR status with
   * {@code description}, which may be null): for call spans and the attempt spans of the hooks alike.
   */
  public void recordStatus(Span span, Status.Code code, String description) {
    if (mode.emitOld()) {
      span.setAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, code.value());
    }
    if (mode.emitNew()) {
      span.setAttribute(RpcSemconv.RPC_RESPONSE_STATUS_CODE, code.name());
    }
    if (isError(code)) {
      if (mode.emitNew()) {
        span.setAttribute(RpcSemconv.ERROR_TYPE, code.name());
      }
      if (description != null) {
        span.setStatus(StatusCode.ERROR, description);
      } else {
        span.setStatus(StatusCode.ERROR);
      }
    }
  }

  /** Tells the end-of-call listener; what it throws is logged, never thrown. */
  void notifyListener(TracedCall call) {
    try {
      call.notify(callListener);
    } catch (RuntimeException e) {
      logRateLimited("call listener " + callListener + " failed; the call is unaffected", e);
    }
  }

  /**
   * The description of a call that failed with {@code thrown}: its {@code toString()}, or its class name
   * when even that throws (user exceptions may override {@code getMessage()} badly).
   */
  public static String describe(Throwable thrown) {
    try {
      return thrown.toString();
    } catch (RuntimeException e) {
      return thrown.getClass().getName();
    }
  }

  /**
   * An enricher is user code running inside the RPC: whatever it throws (an AssertionError, a
   * LinkageError from a missing optional dependency, ...) costs the span its attributes, never the call
   * its callback. Only a VirtualMachineError (out of memory, stack overflow) is rethrown: the JVM is in
   * no state to go on as if nothing happened.
   */
  private void enricherFailed(AttributeEnricher enricher, String phase, Throwable e) {
    if (e instanceof VirtualMachineError) {
      throw (VirtualMachineError) e;
    }
    logRateLimited("attribute enricher " + enricher.getClass().getName() + " failed in " + phase
        + "; the call is unaffected", e);
  }

  /** Logs a failure of a user-supplied part: at WARNING at most once a minute, at FINE otherwise. */
  void logRateLimited(String message, Throwable e) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    Level level = now - last >= WARNING_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)
        ? Level.WARNING : Level.FINE;
    if (logger.isLoggable(level)) {
      logger.log(level, message, e);
    }
  }
}
