package dev.acitrace.snapshotter;

import static java.util.Objects.requireNonNull;

import dev.acitrace.baggage.BaggageKeys;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link Snapshotter} that traces every operation of the snapshotter it wraps (the Go original's
 * {@code WithTracing}).
 *
 * <p>Each operation runs in one {@link SpanKind#INTERNAL INTERNAL} span named
 * {@code snapshotter.<Operation>} ({@code snapshotter.Prepare}, ...), a child of the current span (the
 * gRPC server span when called through the binding). The span carries the attributes below where
 * they apply; a failure sets status {@link StatusCode#ERROR ERROR}, {@code error.type} and an
 * exception event, and is rethrown unchanged. {@link NotFoundException} from Stat, Mounts and Usage is
 * how containerd probes for a snapshot: it adds the exception event only, the status stays unset (the
 * rule the gRPC server span applies to {@code NOT_FOUND}). While the wrapped snapshotter runs, the snapshot key is
 * in the current context's baggage under {@link BaggageKeys#SNAPSHOT_KEY}, so anything it calls
 * downstream (and its logs) can see which snapshot the work is for. {@link #close()} is not traced.
 *
 * <table>
 *   <caption>Span attributes</caption>
 *   <tr><th>attribute</th><th>type</th><th>set on</th></tr>
 *   <tr><td>{@code snapshot.key}</td><td>string</td><td>every keyed operation (the key, or the name for Stat/Update)</td></tr>
 *   <tr><td>{@code snapshot.parent}</td><td>string</td><td>Prepare, View (when not empty); Stat, Update (from the result)</td></tr>
 *   <tr><td>{@code snapshot.name}</td><td>string</td><td>Commit</td></tr>
 *   <tr><td>{@code snapshot.kind}</td><td>string</td><td>Prepare, View, Commit, Stat, Update ({@code active}, {@code view}, {@code committed})</td></tr>
 *   <tr><td>{@code snapshot.usage.size}</td><td>long</td><td>Usage (bytes)</td></tr>
 *   <tr><td>{@code snapshot.usage.inodes}</td><td>long</td><td>Usage</td></tr>
 *   <tr><td>{@code snapshot.labels.count}</td><td>long</td><td>Prepare, View, Commit, Update (labels given); Stat (labels held)</td></tr>
 *   <tr><td>{@code snapshot.mounts.count}</td><td>long</td><td>Prepare, View, Mounts</td></tr>
 *   <tr><td>{@code snapshot.update.paths}</td><td>string[]</td><td>Update</td></tr>
 *   <tr><td>{@code snapshot.filters}</td><td>string[]</td><td>Walk (when filters are given)</td></tr>
 *   <tr><td>{@code snapshot.count}</td><td>long</td><td>Walk (snapshots visited)</td></tr>
 * </table>
 */
public final class TracingSnapshotter implements Snapshotter {

  /** The instrumentation scope name of the spans. */
  public static final String INSTRUMENTATION_SCOPE = "dev.acitrace.snapshotter";

  /** The snapshot key (or name, for Stat and Update) the operation works on. */
  public static final AttributeKey<String> SNAPSHOT_KEY = AttributeKey.stringKey("snapshot.key");
  /** The parent snapshot's name. */
  public static final AttributeKey<String> SNAPSHOT_PARENT = AttributeKey.stringKey("snapshot.parent");
  /** The name a snapshot is committed under. */
  public static final AttributeKey<String> SNAPSHOT_NAME = AttributeKey.stringKey("snapshot.name");
  /** The snapshot kind: {@code active}, {@code view} or {@code committed}. */
  public static final AttributeKey<String> SNAPSHOT_KIND = AttributeKey.stringKey("snapshot.kind");
  /** Bytes used by the snapshot. */
  public static final AttributeKey<Long> SNAPSHOT_USAGE_SIZE = AttributeKey.longKey("snapshot.usage.size");
  /** Inodes used by the snapshot. */
  public static final AttributeKey<Long> SNAPSHOT_USAGE_INODES = AttributeKey.longKey("snapshot.usage.inodes");
  /** Number of labels. */
  public static final AttributeKey<Long> SNAPSHOT_LABELS_COUNT = AttributeKey.longKey("snapshot.labels.count");
  /** Number of mounts returned. */
  public static final AttributeKey<Long> SNAPSHOT_MOUNTS_COUNT = AttributeKey.longKey("snapshot.mounts.count");
  /** The field paths of an update. */
  public static final AttributeKey<List<String>> SNAPSHOT_UPDATE_PATHS =
      AttributeKey.stringArrayKey("snapshot.update.paths");
  /** The filters of a walk. */
  public static final AttributeKey<List<String>> SNAPSHOT_FILTERS = AttributeKey.stringArrayKey("snapshot.filters");
  /** Number of snapshots a walk visited. */
  public static final AttributeKey<Long> SNAPSHOT_COUNT = AttributeKey.longKey("snapshot.count");

  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** The traced operations: span name, and whether NOT_FOUND is an answer rather than a failure. */
  private enum Operation {
    STAT("snapshotter.Stat", true),
    UPDATE("snapshotter.Update", false),
    USAGE("snapshotter.Usage", true),
    MOUNTS("snapshotter.Mounts", true),
    PREPARE("snapshotter.Prepare", false),
    VIEW("snapshotter.View", false),
    COMMIT("snapshotter.Commit", false),
    REMOVE("snapshotter.Remove", false),
    WALK("snapshotter.Walk", false),
    CLEANUP("snapshotter.Cleanup", false);

    final String spanName;
    /**
     * containerd probes for existence with Stat, Mounts and Usage: NOT_FOUND there is an answer, which the
     * server span does not mark ERROR either (it is a client fault by the semantic conventions' rule).
     */
    final boolean notFoundIsAnswer;

    Operation(String spanName, boolean notFoundIsAnswer) {
      this.spanName = spanName;
      this.notFoundIsAnswer = notFoundIsAnswer;
    }
  }

  private final Snapshotter delegate;
  private final Tracer tracer;

  private TracingSnapshotter(Snapshotter delegate, Tracer tracer) {
    this.delegate = delegate;
    this.tracer = tracer;
  }

  /**
   * Wraps a snapshotter.
   *
   * @param delegate the snapshotter to trace
   * @param openTelemetry where the tracer comes from
   * @return the traced snapshotter
   */
  public static Snapshotter wrap(Snapshotter delegate, OpenTelemetry openTelemetry) {
    requireNonNull(delegate, "delegate");
    requireNonNull(openTelemetry, "openTelemetry");
    return new TracingSnapshotter(delegate, openTelemetry.getTracer(INSTRUMENTATION_SCOPE));
  }

  @Override
  public SnapshotInfo stat(String key) {
    return traced(Operation.STAT, start(Operation.STAT, key), key, span -> {
      SnapshotInfo info = delegate.stat(key);
      if (span.isRecording()) {
        describe(span, info);
      }
      return info;
    });
  }

  @Override
  public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
    String key = info == null ? null : info.name();
    SpanBuilder builder = start(Operation.UPDATE, key);
    if (fieldPaths != null && !fieldPaths.isEmpty()) {
      builder.setAttribute(SNAPSHOT_UPDATE_PATHS, List.copyOf(fieldPaths));
    }
    if (info != null) {
      builder.setAttribute(SNAPSHOT_LABELS_COUNT, info.labels().size());
    }
    return traced(Operation.UPDATE, builder, key, span -> {
      SnapshotInfo updated = delegate.update(info, fieldPaths);
      if (span.isRecording()) {
        span.setAttribute(SNAPSHOT_KIND, updated.kind().label());
        if (!updated.parent().isEmpty()) {
          span.setAttribute(SNAPSHOT_PARENT, updated.parent());
        }
      }
      return updated;
    });
  }

  @Override
  public Usage usage(String key) {
    return traced(Operation.USAGE, start(Operation.USAGE, key), key, span -> {
      Usage usage = delegate.usage(key);
      if (span.isRecording()) {
        span.setAttribute(SNAPSHOT_USAGE_SIZE, usage.size());
        span.setAttribute(SNAPSHOT_USAGE_INODES, usage.inodes());
      }
      return usage;
    });
  }

  @Override
  public List<Mount> mounts(String key) {
    return traced(Operation.MOUNTS, start(Operation.MOUNTS, key), key, span -> counted(span, delegate.mounts(key)));
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    return traced(Operation.PREPARE, creation(Operation.PREPARE, Kind.ACTIVE, key, parent, labels), key,
        span -> counted(span, delegate.prepare(key, parent, labels)));
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels) {
    return traced(Operation.VIEW, creation(Operation.VIEW, Kind.VIEW, key, parent, labels), key,
        span -> counted(span, delegate.view(key, parent, labels)));
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) {
    SpanBuilder builder = start(Operation.COMMIT, key).setAttribute(SNAPSHOT_KIND, Kind.COMMITTED.label());
    if (name != null) {
      builder.setAttribute(SNAPSHOT_NAME, name);
    }
    if (labels != null) {
      builder.setAttribute(SNAPSHOT_LABELS_COUNT, labels.size());
    }
    traced(Operation.COMMIT, builder, key, span -> {
      delegate.commit(name, key, labels);
      return null;
    });
  }

  @Override
  public void remove(String key) {
    traced(Operation.REMOVE, start(Operation.REMOVE, key), key, span -> {
      delegate.remove(key);
      return null;
    });
  }

  @Override
  public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
    requireNonNull(visitor, "visitor");
    SpanBuilder builder = start(Operation.WALK, null);
    if (filters != null && !filters.isEmpty()) {
      builder.setAttribute(SNAPSHOT_FILTERS, List.copyOf(filters));
    }
    traced(Operation.WALK, builder, null, span -> {
      long[] count = {0};
      try {
        delegate.walk(info -> {
          count[0]++;
          visitor.accept(info);
        }, filters);
      } finally {
        span.setAttribute(SNAPSHOT_COUNT, count[0]);
      }
      return null;
    });
  }

  @Override
  public void cleanup() {
    traced(Operation.CLEANUP, start(Operation.CLEANUP, null), null, span -> {
      delegate.cleanup();
      return null;
    });
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "TracingSnapshotter{" + delegate + "}";
  }

  /**
   * The one lifecycle of every traced operation: start the span, make it and the key's baggage current
   * around the delegate's call, let {@code body} add what the result says, map a failure to the span by
   * the operation's rule, end exactly once.
   */
  private <T> T traced(Operation operation, SpanBuilder builder, String key, Function<Span, T> body) {
    Span span = builder.startSpan();
    try (Scope ignored = enter(span, key)) {
      return body.apply(span);
    } catch (RuntimeException e) {
      fail(operation, span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  private SpanBuilder start(Operation operation, String key) {
    // the parent is Context.current(): the server span when called through the gRPC binding
    SpanBuilder builder = tracer.spanBuilder(operation.spanName).setSpanKind(SpanKind.INTERNAL);
    if (key != null && !key.isEmpty()) {
      // a caller can send a megabyte of key (it cannot exist: keys are at most MAX_KEY_SIZE bytes)
      builder.setAttribute(SNAPSHOT_KEY,
          key.length() <= SnapshotLimits.MAX_KEY_SIZE ? key : key.substring(0, SnapshotLimits.MAX_KEY_SIZE));
    }
    return builder;
  }

  private SpanBuilder creation(Operation operation, Kind kind, String key, String parent, Map<String, String> labels) {
    SpanBuilder builder = start(operation, key).setAttribute(SNAPSHOT_KIND, kind.label());
    if (parent != null && !parent.isEmpty()) {
      builder.setAttribute(SNAPSHOT_PARENT, parent);
    }
    if (labels != null) {
      builder.setAttribute(SNAPSHOT_LABELS_COUNT, labels.size());
    }
    return builder;
  }

  private static List<Mount> counted(Span span, List<Mount> mounts) {
    if (span.isRecording()) {
      span.setAttribute(SNAPSHOT_MOUNTS_COUNT, mounts.size());
    }
    return mounts;
  }

  private static Scope enter(Span span, String key) {
    Context context = Context.current().with(span);
    if (key != null && !key.isEmpty() && key.length() <= SnapshotLimits.MAX_KEY_SIZE) {
      Baggage baggage = Baggage.fromContext(context).toBuilder().put(BaggageKeys.SNAPSHOT_KEY, key).build();
      context = context.with(baggage);
    }
    return context.makeCurrent();
  }

  private static void describe(Span span, SnapshotInfo info) {
    span.setAttribute(SNAPSHOT_KIND, info.kind().label());
    if (!info.parent().isEmpty()) {
      span.setAttribute(SNAPSHOT_PARENT, info.parent());
    }
    span.setAttribute(SNAPSHOT_LABELS_COUNT, info.labels().size());
  }

  private static void fail(Operation operation, Span span, RuntimeException e) {
    span.recordException(e);
    if (operation.notFoundIsAnswer && e instanceof NotFoundException) {
      return; // an answer, not an error: the event stays, the status does not change
    }
    span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
    span.setAttribute(ERROR_TYPE, e.getClass().getName());
  }
}
