package dev.acitrace.bundle.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Prints finished traces as indented trees: one block per trace, printed when the trace's local root
 * span (no parent, or a remote parent) ends, so a request handled in this process reads top to bottom:
 *
 * <pre>
 * trace 4bf92f3577b34da6a3ce929d0e0e4736 (service accelerated-container-image, 2 spans)
 * └─ snapshots/Prepare SERVER 3.20 ms OK rpc.method=Prepare rpc.system=grpc
 *    └─ prepare-layer INTERNAL 1.05 ms ERROR (disk full) exception=java.io.IOException: disk full
 * </pre>
 *
 * <p>A span whose parent is remote is a local root unless that parent was started in this process:
 * with {@link #startTracker()} installed, a client and a server in the same process (a demo, a test)
 * print as one tree, the server span under the client span, instead of one block per server span.
 *
 * <p>Memory is bounded: at most {@code maxTraces} unfinished traces, {@value #MAX_SPANS_PER_TRACE}
 * spans per trace and {@value #DEFAULT_MAX_HELD_SPANS} spans in all are held; the oldest unfinished
 * trace is printed, marked incomplete, to make room, and what is left is printed the same way at
 * shutdown. The start tracker remembers at most {@value #DEFAULT_MAX_TRACKED_SPANS} span ids, forgetting
 * the oldest first.
 */
final class ConsoleSpanExporter implements SpanExporter {

  static final int DEFAULT_MAX_TRACES = 1024;
  static final int MAX_SPANS_PER_TRACE = 1000;
  /** The bound on spans held across all unfinished traces (1024 traces of 1000 spans would be too many). */
  static final int DEFAULT_MAX_HELD_SPANS = 10_000;
  /**
   * The bound on span ids remembered by the start tracker. A sampled span that never reaches the
   * exporter (dropped by a full queue) would stay remembered; past the bound the oldest id is forgotten,
   * so a long-lived process keeps tracking new spans. Forgetting a span that is in fact still running
   * (only when this many newer spans started meanwhile) makes a server span under it print as its own
   * block, as without the tracker: a cosmetic loss.
   */
  static final int DEFAULT_MAX_TRACKED_SPANS = 100_000;
  private static final int MAX_ATTRIBUTES = 12;
  private static final int MAX_VALUE_LENGTH = 80;
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
  private static final AttributeKey<String> EXCEPTION_MESSAGE =
      AttributeKey.stringKey("exception.message");

  private final PrintStream out;
  private final int maxTraces;
  private final int maxHeldSpans;
  private final Map<String, Pending> pending = new LinkedHashMap<>(); // guarded by this; insertion order
  private int heldSpans; // guarded by this: spans held in pending
  private boolean shutdown; // guarded by this
  // Sampled spans started in this process and not yet exported (see startTracker), oldest first. A
  // console exporter is for terminals and tests, so one lock on span start is an acceptable price.
  private final Set<String> startedHere;

  ConsoleSpanExporter(PrintStream out, int maxTraces) {
    this(out, maxTraces, DEFAULT_MAX_HELD_SPANS, DEFAULT_MAX_TRACKED_SPANS);
  }

  ConsoleSpanExporter(PrintStream out, int maxTraces, int maxHeldSpans, int maxTrackedSpans) {
    this.out = requireNonNull(out, "out");
    if (maxTraces < 1) {
      throw new IllegalArgumentException("maxTraces must be positive: " + maxTraces);
    }
    if (maxHeldSpans < 1 || maxTrackedSpans < 1) {
      throw new IllegalArgumentException("maxHeldSpans and maxTrackedSpans must be positive: "
          + maxHeldSpans + ", " + maxTrackedSpans);
    }
    this.maxTraces = maxTraces;
    this.maxHeldSpans = maxHeldSpans;
    this.startedHere = Collections.newSetFromMap(Collections.synchronizedMap(
        new LinkedHashMap<String, Boolean>() {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > maxTrackedSpans;
          }
        }));
  }

  private static final class Pending {
    final List<SpanData> spans = new ArrayList<>();
    final Set<String> spanIds = new HashSet<>();
    int omitted;
  }

  /**
   * A span processor that tells this exporter which spans were started in this process: install it on
   * the same tracer provider. Its {@code onStart} adds the span id to a concurrent set; nothing else.
   */
  SpanProcessor startTracker() {
    return new SpanProcessor() {
      @Override
      public void onStart(Context parentContext, ReadWriteSpan span) {
        if (span.getSpanContext().isSampled()) {
          startedHere.add(span.getSpanContext().getSpanId());
        }
      }

      @Override
      public boolean isStartRequired() {
        return true;
      }

      @Override
      public void onEnd(ReadableSpan span) {}

      @Override
      public boolean isEndRequired() {
        return false;
      }

      @Override
      public String toString() {
        return "ConsoleSpanExporter.startTracker";
      }
    };
  }

  @Override
  public synchronized CompletableResultCode export(Collection<SpanData> spans) {
    if (shutdown) {
      return CompletableResultCode.ofFailure();
    }
    for (SpanData span : spans) {
      String traceId = span.getTraceId();
      startedHere.remove(span.getSpanId());
      Pending trace = pending.computeIfAbsent(traceId, id -> new Pending());
      if (trace.spans.size() < MAX_SPANS_PER_TRACE) {
        trace.spans.add(span);
        trace.spanIds.add(span.getSpanId());
        heldSpans++;
      } else {
        trace.omitted++;
      }
      if (isLocalRoot(span, trace)) {
        pending.remove(traceId);
        heldSpans -= trace.spans.size();
        print(traceId, trace, false);
      } else {
        while (pending.size() > maxTraces || heldSpans > maxHeldSpans) {
          Iterator<Map.Entry<String, Pending>> eldest = pending.entrySet().iterator();
          Map.Entry<String, Pending> evicted = eldest.next();
          eldest.remove();
          heldSpans -= evicted.getValue().spans.size();
          print(evicted.getKey(), evicted.getValue(), true);
        }
      }
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    out.flush();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    if (!shutdown) {
      shutdown = true;
      pending.forEach((traceId, trace) -> print(traceId, trace, true));
      pending.clear();
      heldSpans = 0;
      startedHere.clear();
      out.flush();
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "ConsoleSpanExporter{maxTraces=" + maxTraces + "}";
  }

  private boolean isLocalRoot(SpanData span, Pending trace) {
    SpanContext parent = span.getParentSpanContext();
    if (!parent.isValid()) {
      return true;
    }
    // A remote parent started here is still running (tracked, not yet exported) or already held.
    return parent.isRemote()
        && !startedHere.contains(parent.getSpanId()) && !trace.spanIds.contains(parent.getSpanId());
  }

  private void print(String traceId, Pending trace, boolean incomplete) {
    out.print(render(traceId, trace.spans, trace.omitted, incomplete));
  }

  /** The text block for one trace; package-private for tests. */
  static String render(String traceId, List<SpanData> spans, int omitted, boolean incomplete) {
    Set<String> ids = new HashSet<>();
    spans.forEach(s -> ids.add(s.getSpanId()));
    Map<String, List<SpanData>> children = new HashMap<>();
    List<SpanData> roots = new ArrayList<>();
    for (SpanData span : spans) {
      String parentId = span.getParentSpanContext().isValid() ? span.getParentSpanId() : null;
      if (parentId != null && ids.contains(parentId)) {
        children.computeIfAbsent(parentId, id -> new ArrayList<>()).add(span);
      } else {
        roots.add(span);
      }
    }
    Comparator<SpanData> byStart = Comparator.comparingLong(SpanData::getStartEpochNanos);
    roots.sort(byStart);
    children.values().forEach(list -> list.sort(byStart));

    StringBuilder text = new StringBuilder(128 * spans.size());
    text.append("trace ").append(traceId).append(" (");
    String service = spans.isEmpty() ? null : spans.get(0).getResource().getAttribute(SERVICE_NAME);
    if (service != null) {
      text.append("service ").append(service).append(", ");
    }
    text.append(spans.size() + omitted).append(spans.size() + omitted == 1 ? " span" : " spans");
    if (omitted > 0) {
      text.append(", ").append(omitted).append(" not shown");
    }
    if (incomplete) {
      text.append(", incomplete: its local root had not ended");
    }
    text.append(")\n");
    for (int i = 0; i < roots.size(); i++) {
      appendTree(text, roots.get(i), children, "", i == roots.size() - 1);
    }
    return text.toString();
  }

  private static void appendTree(StringBuilder text, SpanData span,
      Map<String, List<SpanData>> children, String indent, boolean last) {
    text.append(indent).append(last ? "└─ " : "├─ ");
    appendSpan(text, span);
    text.append('\n');
    List<SpanData> kids = children.getOrDefault(span.getSpanId(), List.of());
    String childIndent = indent + (last ? "   " : "│  ");
    for (int i = 0; i < kids.size(); i++) {
      appendTree(text, kids.get(i), children, childIndent, i == kids.size() - 1);
    }
  }

  private static void appendSpan(StringBuilder text, SpanData span) {
    text.append(span.getName()).append(' ').append(span.getKind()).append(' ');
    appendDuration(text, span.getEndEpochNanos() - span.getStartEpochNanos());
    StatusData status = span.getStatus();
    text.append(' ').append(status.getStatusCode() == StatusCode.UNSET ? "OK" : status.getStatusCode());
    if (!status.getDescription().isEmpty()) {
      text.append(" (").append(truncate(status.getDescription())).append(')');
    }
    if (span.getParentSpanContext().isRemote()) {
      text.append(" parent=").append(span.getParentSpanId()).append("(remote)");
    }
    Map<String, Object> sorted = new TreeMap<>();
    span.getAttributes().forEach((key, value) -> sorted.put(key.getKey(), value));
    int shown = 0;
    for (Map.Entry<String, Object> attribute : sorted.entrySet()) {
      if (shown++ == MAX_ATTRIBUTES) {
        text.append(" …+").append(sorted.size() - MAX_ATTRIBUTES);
        break;
      }
      text.append(' ').append(attribute.getKey()).append('=')
          .append(truncate(String.valueOf(attribute.getValue())));
    }
    for (EventData event : span.getEvents()) {
      if ("exception".equals(event.getName())) {
        text.append(" exception=").append(event.getAttributes().get(EXCEPTION_TYPE));
        String message = event.getAttributes().get(EXCEPTION_MESSAGE);
        if (message != null) {
          text.append(": ").append(truncate(message));
        }
      }
    }
  }

  private static void appendDuration(StringBuilder text, long nanos) {
    if (nanos < 1_000_000) {
      text.append(nanos / 1_000).append(" us");
    } else if (nanos < 1_000_000_000) {
      text.append(String.format(Locale.ROOT, "%.2f ms", nanos / 1e6));
    } else {
      text.append(String.format(Locale.ROOT, "%.3f s", nanos / 1e9));
    }
  }

  private static String truncate(String value) {
    String oneLine = value.replace('\n', ' ');
    return oneLine.length() <= MAX_VALUE_LENGTH ? oneLine : oneLine.substring(0, MAX_VALUE_LENGTH) + "…";
  }
}
