package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.AttributeEnricher;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The RPC metrics of one interceptor (one side), per the semantic conventions chosen with
 * {@code OTEL_SEMCONV_STABILITY_OPT_IN} ({@link RpcSemconv.Mode}):
 *
 * <ul>
 *   <li>new ({@code rpc}, {@code rpc/dup}): {@code rpc.client.call.duration} / {@code rpc.server.call.duration},
 *       histograms in seconds with the conventions' advised boundaries, attributes {@code rpc.system.name},
 *       {@code rpc.method} ({@code package.Service/Method}), {@code rpc.response.status_code} (the code's
 *       name), {@code error.type} (the code's name, when the call failed by the side's status rule), and on
 *       the client {@code server.address} / {@code server.port};
 *   <li>old (default, {@code rpc/dup}): {@code rpc.client.duration} / {@code rpc.server.duration} (ms), plus
 *       {@code rpc.*.request.size} / {@code rpc.*.response.size} (By: the call's uncompressed message bytes
 *       in all, one measurement per call, when a stream tracer measured them, see below) and
 *       {@code rpc.*.requests_per_rpc} / {@code rpc.*.responses_per_rpc} ({count}), attributes
 *       {@code rpc.system}, {@code rpc.service}, {@code rpc.method} (short), {@code rpc.grpc.status_code}, and
 *       on the client {@code server.address} / {@code server.port}.
 * </ul>
 *
 * <p>Instruments are created once, here, from the {@link OpenTelemetry}'s meter provider (a no-op one
 * records nothing at next to no cost). Attribute sets are built once per method and status code (and, on
 * the client, per server address), so recording a call allocates no {@link Attributes}. Values are bounded
 * by construction: method names (a method the server does not know is {@value #OTHER}), status codes, the
 * server address of the channel, and what enrichers return from
 * {@link AttributeEnricher#metricAttributes(RpcMethod, RpcSide)}, asked once per method; never request ids
 * or baggage. The measurement's {@link Context} carries the call's span, so a sampled call's measurements
 * get an exemplar pointing at it (the SDK's default, trace-based exemplar filter).
 *
 * <p>Sizes: the old conventions record them "per message in a streaming batch" and put
 * {@code rpc.grpc.status_code} on every gRPC measurement; the status is known only when the call ends, so
 * honouring both would mean holding every message size of a stream until then (unbounded for long streams).
 * Sizes are therefore recorded once per call, at its end, with the duration's attributes: the sum of the
 * call's message sizes in each direction. For a unary call (one message each way) that is exactly the
 * per-message value; for streams the histogram's sum (bytes) is exact, and
 * {@code sum(size) / sum(requests_per_rpc)} (same attributes) gives the mean message size. A direction
 * without any message reported (none sent, or a transport that reports no sizes, like in-process) records
 * nothing. OpenTelemetry's own gRPC instrumentation also records one value per call at its end (the last
 * message's size).
 */
public final class RpcMetrics implements CallListener {

  private static final Logger logger = Logger.getLogger(RpcMetrics.class.getName());

  /** {@code rpc.method} (and, old conventions, {@code rpc.service}) of a method the server does not know. */
  public static final String OTHER = "_OTHER";

  /** The conventions' advised boundaries for the call-duration histograms, in seconds. */
  public static final List<Double> DURATION_BUCKETS_SECONDS = List.of(
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

  /** Bound of the per-method cache of attribute sets by server address (client). */
  static final int MAX_SERVERS = 64;

  /** Bound of the per-method cache; past it, methods are recorded as {@value #OTHER}. */
  static final int MAX_METHODS = 4096;

  private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final double NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  private static final Status.Code[] CODES = Status.Code.values();

  private final RpcSide side;
  private final RpcSemconv.Mode mode;
  private final boolean[] errorByCode;
  private final AttributeEnricher[] enrichers;
  private final DoubleHistogram callDuration; // new; null when not emitted
  private final DoubleHistogram duration; // old; null when not emitted
  private final LongHistogram requestSize;
  private final LongHistogram responseSize;
  private final LongHistogram requestsPerRpc;
  private final LongHistogram responsesPerRpc;
  private final ConcurrentMap<String, MethodMetrics> methods = new ConcurrentHashMap<>();
  private final MethodMetrics other;

  private RpcMetrics(Meter meter, RpcSide side, RpcSemconv.Mode mode, StatusRuleTable errors,
      List<AttributeEnricher> enrichers) {
    this.side = side;
    this.mode = mode;
    this.errorByCode = errors.errorByCode;
    this.enrichers = enrichers.toArray(new AttributeEnricher[0]);
    String prefix = side == RpcSide.CLIENT ? "rpc.client." : "rpc.server.";
    String direction = side == RpcSide.CLIENT ? "outbound" : "inbound";
    if (mode.emitNew()) {
      callDuration = meter.histogramBuilder(prefix + "call.duration").setUnit("s")
          .setDescription("Measures the duration of " + direction + " remote procedure calls (RPC).")
          .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS_SECONDS)
          .build();
    } else {
      callDuration = null;
    }
    if (mode.emitOld()) {
      duration = meter.histogramBuilder(prefix + "duration").setUnit("ms")
          .setDescription("Measures the duration of " + direction + " RPC.").build();
      requestSize = meter.histogramBuilder(prefix + "request.size").setUnit("By").ofLongs()
          .setDescription("Measures the size of RPC request messages (uncompressed), per call.").build();
      responseSize = meter.histogramBuilder(prefix + "response.size").setUnit("By").ofLongs()
          .setDescription("Measures the size of RPC response messages (uncompressed), per call.").build();
      requestsPerRpc = meter.histogramBuilder(prefix + "requests_per_rpc").setUnit("{count}").ofLongs()
          .setDescription("Measures the number of request messages per RPC.").build();
      responsesPerRpc = meter.histogramBuilder(prefix + "responses_per_rpc").setUnit("{count}").ofLongs()
          .setDescription("Measures the number of response messages per RPC.").build();
    } else {
      duration = null;
      requestSize = null;
      responseSize = null;
      requestsPerRpc = null;
      responsesPerRpc = null;
    }
    this.other = new MethodMetrics(this, baseAttributes(null, Attributes.empty(), false),
        baseAttributes(null, Attributes.empty(), true));
  }

  /**
   * The metrics of one interceptor. Call once per tracing instance (interceptor), never per call.
   *
   * @param openTelemetry whose meter provider records (no-op when it has none)
   * @param scopeName the instrumentation scope, the same as the tracer's
   * @param side client or server
   * @param mode which conventions to emit
   * @param isError whether a status code is a failure on this side ({@code error.type}); index = code value
   * @param enrichers asked once per method for bounded metric attributes
   */
  public static RpcMetrics create(OpenTelemetry openTelemetry, String scopeName, RpcSide side,
      RpcSemconv.Mode mode, java.util.function.Predicate<Status.Code> isError, List<AttributeEnricher> enrichers) {
    requireNonNull(openTelemetry, "openTelemetry");
    requireNonNull(scopeName, "scopeName");
    requireNonNull(side, "side");
    requireNonNull(mode, "mode");
    requireNonNull(isError, "isError");
    requireNonNull(enrichers, "enrichers");
    Meter meter = openTelemetry.getMeterProvider().meterBuilder(scopeName).build();
    return new RpcMetrics(meter, side, mode, new StatusRuleTable(isError), enrichers);
  }

  /**
   * The metrics of an interceptor, or {@code null} when {@code openTelemetry}'s meter provider records
   * nothing (no SDK, or an SDK without metric readers, e.g. {@code OTEL_METRICS_EXPORTER=none}): then no
   * listener is installed and calls pay nothing for metrics. Arguments as {@link #create}.
   */
  public static RpcMetrics createIfRecording(OpenTelemetry openTelemetry, String scopeName, RpcSide side,
      RpcSemconv.Mode mode, java.util.function.Predicate<Status.Code> isError, List<AttributeEnricher> enrichers) {
    Meter meter = openTelemetry.getMeterProvider().meterBuilder(scopeName).build();
    // The API's no-op meter is one shared instance, and an SDK with no reader hands it out too.
    if (meter == MeterProvider.noop().get(scopeName)) {
      return null;
    }
    return create(openTelemetry, scopeName, side, mode, isError, enrichers);
  }

  @Override
  public void onCallEnd(MethodInfo method, RpcSide side, Status.Code code, long durationNanos, long requestMessages,
      long responseMessages, long requestBytes, long responseBytes, Attributes serverAttributes, Context callContext) {
    MethodMetrics metrics = method.listenerState() instanceof MethodMetrics described
        ? described : method(method.method(), method.known());
    metrics.record(serverAttributes, code, durationNanos, requestMessages, responseMessages, requestBytes,
        responseBytes, callContext);
  }

  /** The method's metrics, kept by its {@link MethodInfo}: a call's end looks nothing up. */
  @Override
  public Object describe(RpcMethod method, boolean known) {
    return method(method, known);
  }

  /** Sizes are recorded only by the old conventions (the new ones define no size metrics). */
  @Override
  public boolean wantsSizes() {
    return mode.emitOld();
  }

  /** The side. */
  public RpcSide side() {
    return side;
  }

  /** The conventions emitted. */
  public RpcSemconv.Mode mode() {
    return mode;
  }

  /**
   * The metrics of {@code method}: look up once per method and keep the result (the lookup is a map read).
   *
   * @param known false when the server has no handler registered for the method (a fallback registry
   *     serves it): recorded as {@value #OTHER}, like every method past {@link #MAX_METHODS}
   */
  public MethodMetrics method(RpcMethod method, boolean known) {
    requireNonNull(method, "method");
    if (!known) {
      return other;
    }
    MethodMetrics metrics = methods.get(method.fullName());
    if (metrics != null) {
      return metrics;
    }
    if (methods.size() >= MAX_METHODS) {
      return other;
    }
    Attributes enriched = enricherAttributes(method);
    metrics = new MethodMetrics(this, baseAttributes(method, enriched, false), baseAttributes(method, enriched, true));
    MethodMetrics raced = methods.putIfAbsent(method.fullName(), metrics);
    return raced != null ? raced : metrics;
  }

  /** What the enrichers add to {@code method}'s measurements; asked once per method. */
  private Attributes enricherAttributes(RpcMethod method) {
    if (enrichers.length == 0) {
      return Attributes.empty();
    }
    AttributesBuilder builder = Attributes.builder();
    for (AttributeEnricher enricher : enrichers) {
      try {
        Attributes added = enricher.metricAttributes(method, side);
        if (added != null) {
          builder.putAll(added);
        }
      } catch (RuntimeException e) {
        logger.log(Level.WARNING, "enricher " + enricher.getClass().getName()
            + " failed to give metric attributes for " + method.fullName() + "; left out", e);
      }
    }
    return builder.build();
  }

  /** The per-method attributes of one generation ({@code method == null}: {@value #OTHER}). */
  private static Attributes baseAttributes(RpcMethod method, Attributes enriched, boolean newConventions) {
    AttributesBuilder builder = enriched.toBuilder();
    // the conventions' attributes last, so that an enricher cannot replace them
    if (newConventions) {
      builder.put(RpcSemconv.RPC_SYSTEM_NAME, RpcSemconv.GRPC);
      builder.put(RpcSemconv.RPC_METHOD, method == null ? OTHER : method.fullName());
    } else {
      builder.put(RpcSemconv.RPC_SYSTEM, RpcSemconv.GRPC);
      builder.put(RpcSemconv.RPC_SERVICE, method == null ? OTHER : method.service());
      builder.put(RpcSemconv.RPC_METHOD, method == null ? OTHER : method.method());
    }
    return builder.build();
  }

  /**
   * The metrics of one method: what an interceptor records at the end of each call. Attribute sets per
   * status code are built when the method is first seen (and, on the client, when the server address
   * changes, which for an interceptor serving one channel is never).
   */
  public static final class MethodMetrics {
    private final RpcMetrics owner;
    private final Attributes oldBase;
    private final Attributes newBase;
    private final ConcurrentMap<Attributes, ByServer> servers = new ConcurrentHashMap<>();
    private volatile ByServer last;

    MethodMetrics(RpcMetrics owner, Attributes oldBase, Attributes newBase) {
      this.owner = owner;
      this.oldBase = oldBase;
      this.newBase = newBase;
      this.last = new ByServer(owner, Attributes.empty(), oldBase, newBase);
    }

    /**
     * Records one finished call. Never throws.
     *
     * @param server the client's {@code server.address} / {@code server.port} (the same instance call after
     *     call, as interceptors cache it), or {@link Attributes#empty()} (always on the server)
     * @param code the status the call ended with
     * @param durationNanos from the call's start to its end
     * @param requests request messages (sent by the client, received by the server)
     * @param responses response messages
     * @param requestBytes uncompressed request bytes in all, or -1 when unknown
     * @param responseBytes uncompressed response bytes in all, or -1 when unknown
     * @param context the call's context, with its span: the exemplar's link
     */
    public void record(Attributes server, Status.Code code, long durationNanos, long requests, long responses,
        long requestBytes, long responseBytes, Context context) {
      try {
        ByServer entry = last;
        if (entry.server != server) {
          entry = byServer(server);
          last = entry;
        }
        int index = code.value();
        RpcMetrics m = owner;
        if (m.callDuration != null) {
          m.callDuration.record(durationNanos / NANOS_PER_SECOND, entry.newByCode[index], context);
        }
        if (m.duration != null) {
          Attributes attributes = entry.oldByCode[index];
          m.duration.record(durationNanos / NANOS_PER_MILLI, attributes, context);
          // Exemplars link latency to traces; message counts and sizes are recorded without the call's
          // context (no span, so the trace-based exemplar filter offers nothing): offering an exemplar
          // costs each histogram a reservoir update per sampled call, for a link nobody follows from a count.
          m.requestsPerRpc.record(requests, attributes, Context.root());
          m.responsesPerRpc.record(responses, attributes, Context.root());
          if (requestBytes >= 0) {
            m.requestSize.record(requestBytes, attributes, Context.root());
          }
          if (responseBytes >= 0) {
            m.responseSize.record(responseBytes, attributes, Context.root());
          }
        }
      } catch (RuntimeException e) {
        logger.log(Level.FINE, "recording RPC metrics failed", e); // a metrics failure must not fail a call
      }
    }

    /**
     * The attribute sets for {@code server}: one interceptor usually serves one channel (the identity check
     * in {@link #record} hits); several channels share a small map, bounded so that a channel per call
     * cannot grow it.
     */
    private ByServer byServer(Attributes server) {
      ByServer entry = servers.get(server);
      if (entry == null) {
        entry = new ByServer(owner, server, oldBase, newBase);
        if (servers.size() < MAX_SERVERS) {
          ByServer raced = servers.putIfAbsent(server, entry);
          entry = raced != null ? raced : entry;
        }
      }
      return entry;
    }

    /** The attributes the old / new instruments get for {@code code} (for tests and tools). */
    public Attributes attributes(Attributes server, Status.Code code, boolean newConventions) {
      ByServer entry = new ByServer(owner, server, oldBase, newBase);
      return newConventions ? entry.newByCode[code.value()] : entry.oldByCode[code.value()];
    }
  }

  /** The attribute sets of one method for one server address, indexed by status code value. */
  private static final class ByServer {
    final Attributes server;
    final Attributes[] oldByCode;
    final Attributes[] newByCode;

    ByServer(RpcMetrics owner, Attributes server, Attributes oldBase, Attributes newBase) {
      this.server = server;
      this.oldByCode = new Attributes[CODES.length];
      this.newByCode = new Attributes[CODES.length];
      for (Status.Code code : CODES) {
        int i = code.value();
        if (owner.mode.emitOld()) {
          oldByCode[i] = oldBase.toBuilder().putAll(server)
              .put(RpcSemconv.RPC_GRPC_STATUS_CODE, (long) i).build();
        }
        if (owner.mode.emitNew()) {
          AttributesBuilder builder = newBase.toBuilder().putAll(server)
              .put(RpcSemconv.RPC_RESPONSE_STATUS_CODE, code.name());
          if (owner.errorByCode[i]) {
            builder.put(RpcSemconv.ERROR_TYPE, code.name());
          }
          newByCode[i] = builder.build();
        }
      }
    }
  }

  /** Status code value to "is an error on this side", computed once. */
  private static final class StatusRuleTable {
    final boolean[] errorByCode;

    StatusRuleTable(java.util.function.Predicate<Status.Code> isError) {
      errorByCode = new boolean[CODES.length];
      for (Status.Code code : CODES) {
        errorByCode[code.value()] = code != Status.Code.OK && isError.test(code);
      }
    }
  }
}
