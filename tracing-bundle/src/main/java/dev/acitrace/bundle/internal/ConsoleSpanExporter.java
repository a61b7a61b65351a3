package dev.acitrace.bundle.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
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
 * span (no parent, or a remote parent) ends, so a request handled in this process reads top to bottom,
 * one line per span within {@value #WIDTH} columns (tree, name, kind, duration, status, and the few
 * attributes that matter):
 *
 * <pre>
 * trace 4bf92f3577b34da6a3ce929d0e0e4736 (service accelerated-container-image, 3 spans) request.id r-1
 * └─ Snapshots/Prepare CLIENT        3.20 ms OK
 *    └─ Snapshots/Prepare SERVER     2.90 ms OK
 *       └─ prepare-layer             1.05 ms ERROR (disk full) snapshot.key=k1 exception=java.io.IOException: disk full
 * </pre>
 *
 * <p>Verbose mode ({@code acitrace.console.verbose=true}) keeps the full span names and adds every
 * attribute, exception and remote parent on lines of their own under the span. Everything printed that
 * comes from spans is escaped by {@link ConsoleText}: no caller can send control sequences to the terminal.
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
  /** The most columns a line takes (the tree, name, duration, status and key attributes). */
  static final int WIDTH = 120;
  /** Names (with their tree prefix and kind) are padded to a common column, at most this wide. */
  private static final int MAX_NAME_COLUMN = 64;
  /** Verbose mode prints every attribute; values are cut here so one span cannot flood the terminal. */
  private static final int MAX_VERBOSE_VALUE_LENGTH = 1000;
  private static final int MAX_KEY_ATTRIBUTES = 3;
  private static final AttributeKey<Long> GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request.id");
  /**
   * The attributes a compact line shows, at most {@value #MAX_KEY_ATTRIBUTES}, in this order: what went
   * wrong, then what the span worked on. {@code rpc.grpc.status_code} only when it is not 0; the trace's
   * {@code request.id} is on its header line.
   */
  private static final List<AttributeKey<?>> KEY_ATTRIBUTES = List.of(
      AttributeKey.stringKey("error.type"), GRPC_STATUS_CODE,
      AttributeKey.stringKey("snapshot.key"), AttributeKey.stringKey("snapshot.name"),
      AttributeKey.stringKey("snapshot.parent"), AttributeKey.longKey("snapshot.count"));
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
  private static final AttributeKey<String> EXCEPTION_MESSAGE =
      AttributeKey.stringKey("exception.message");

  private final PrintStream out;
  private final boolean verbose;
  private final int maxTraces;
  private final int maxHeldSpans;
  private final Map<String, Pending> pending = new LinkedHashMap<>(); // guarded by this; insertion order
  private int heldSpans; // guarded by this: spans held in pending
  private boolean shutdown; // guarded by this
  // Sampled spans started in this process and not yet exported (see startTracker), oldest first. A
  // console exporter is for terminals and tests, so one lock on span start is an acceptable price.
  private final Set<String> startedHere;

  ConsoleSpanExporter(PrintStream out, int maxTraces) {
    this(out, maxTraces, false);
  }

  ConsoleSpanExporter(PrintStream out, int maxTraces, boolean verbose) {
    this(out, maxTraces, DEFAULT_MAX_HELD_SPANS, DEFAULT_MAX_TRACKED_SPANS, verbose);
  }

  ConsoleSpanExporter(PrintStream out, int maxTraces, int maxHeldSpans, int maxTrackedSpans) {
    this(out, maxTraces, maxHeldSpans, maxTrackedSpans, false);
  }

  ConsoleSpanExporter(PrintStream out, int maxTraces, int maxHeldSpans, int maxTrackedSpans, boolean verbose) {
    this.out = requireNonNull(out, "out");
    this.verbose = verbose;
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
    return "ConsoleSpanExporter{maxTraces=" + maxTraces + (verbose ? ", verbose" : "") + "}";
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
    out.print(render(traceId, trace.spans, trace.omitted, incomplete, verbose));
  }

  /** The compact text block for one trace; package-private for tests. */
  static String render(String traceId, List<SpanData> spans, int omitted, boolean incomplete) {
    return render(traceId, spans, omitted, incomplete, false);
  }

  /** The text block for one trace; package-private for tests. */
  static String render(String traceId, List<SpanData> spans, int omitted, boolean incomplete, boolean verbose) {
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
    StringBuilder line = new StringBuilder(WIDTH * 2);
    line.append("trace ").append(traceId).append(" (");
    String service = spans.isEmpty() ? null : spans.get(0).getResource().getAttribute(SERVICE_NAME);
    if (service != null) {
      line.append("service ");
      ConsoleText.append(line, service).append(", ");
    }
    line.append(spans.size() + omitted).append(spans.size() + omitted == 1 ? " span" : " spans");
    if (omitted > 0) {
      line.append(", ").append(omitted).append(" not shown");
    }
    if (incomplete) {
      line.append(", incomplete: its local root had not ended");
    }
    line.append(')');
    String requestId = requestId(roots, children);
    if (requestId != null) {
      // on the header line when it fits, else on a line of its own: a request id is copied, never cut
      int headerEnd = line.length();
      line.append(" request.id ");
      ConsoleText.append(line, requestId);
      if (ConsoleText.columns(line) > WIDTH) {
        StringBuilder header = new StringBuilder(line.subSequence(0, headerEnd));
        ConsoleText.fit(header, 0, WIDTH);
        text.append(header).append('\n');
        line.delete(0, headerEnd + 1);
      }
    }
    ConsoleText.fit(line, 0, WIDTH);
    text.append(line).append('\n');

    // the name column: as wide as the widest tree prefix + name + kind, within bounds, so durations align
    int nameColumn = 0;
    for (int i = 0; i < roots.size(); i++) {
      nameColumn = Math.max(nameColumn, nameWidth(roots.get(i), children, 0, verbose));
    }
    nameColumn = Math.min(nameColumn, MAX_NAME_COLUMN);
    for (int i = 0; i < roots.size(); i++) {
      appendTree(text, line, roots.get(i), children, "", i == roots.size() - 1, nameColumn, verbose);
    }
    return text.toString();
  }

  /** The request id of the trace: the first {@code request.id} attribute, depth first from the roots. */
  private static String requestId(List<SpanData> roots, Map<String, List<SpanData>> children) {
    java.util.ArrayDeque<SpanData> todo = new java.util.ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      SpanData span = todo.poll();
      String id = span.getAttributes().get(REQUEST_ID);
      if (id != null) {
        return id;
      }
      todo.addAll(children.getOrDefault(span.getSpanId(), List.of()));
    }
    return null;
  }

  private static int nameWidth(SpanData span, Map<String, List<SpanData>> children, int depth, boolean verbose) {
    int width = 3 * (depth + 1) + ConsoleText.columns(ConsoleText.escape(displayName(span, verbose)))
        + (span.getKind() == SpanKind.INTERNAL ? 0 : 1 + span.getKind().name().length());
    for (SpanData child : children.getOrDefault(span.getSpanId(), List.of())) {
      width = Math.max(width, nameWidth(child, children, depth + 1, verbose));
    }
    return width;
  }

  private static void appendTree(StringBuilder text, StringBuilder line, SpanData span,
      Map<String, List<SpanData>> children, String indent, boolean last, int nameColumn, boolean verbose) {
    List<SpanData> kids = children.getOrDefault(span.getSpanId(), List.of());
    String childIndent = indent + (last ? "   " : "│  ");
    line.setLength(0);
    line.append(indent).append(last ? "└─ " : "├─ ");
    appendSpan(line, span, nameColumn, verbose);
    ConsoleText.fit(line, 0, WIDTH);
    text.append(line).append('\n');
    if (verbose) {
      appendDetails(text, line, span, childIndent + (kids.isEmpty() ? "   " : "│  "));
    }
    for (int i = 0; i < kids.size(); i++) {
      appendTree(text, line, kids.get(i), children, childIndent, i == kids.size() - 1, nameColumn, verbose);
    }
  }

  /**
   * The span's line: name and kind (padded to the name column), duration, status, and in compact mode the
   * few attributes that matter (an error's type or exception, the snapshot it worked on).
   */
  private static void appendSpan(StringBuilder line, SpanData span, int nameColumn, boolean verbose) {
    ConsoleText.append(line, displayName(span, verbose));
    if (span.getKind() != SpanKind.INTERNAL) {
      line.append(' ').append(span.getKind());
    }
    int pad = nameColumn - ConsoleText.columns(line); // the line so far: tree prefix, name, kind
    for (int i = 0; i < pad; i++) {
      line.append(' ');
    }
    line.append(' ');
    String duration = duration(span.getEndEpochNanos() - span.getStartEpochNanos());
    for (int i = duration.length(); i < 9; i++) {
      line.append(' ');
    }
    line.append(duration);
    StatusData status = span.getStatus();
    line.append(' ').append(status.getStatusCode() == StatusCode.UNSET ? "OK" : status.getStatusCode());
    if (!status.getDescription().isEmpty()) {
      line.append(" (");
      ConsoleText.append(line, status.getDescription()).append(')');
    }
    if (verbose) {
      return;
    }
    int shown = 0;
    for (AttributeKey<?> key : KEY_ATTRIBUTES) {
      Object value = span.getAttributes().get(key);
      if (value == null || (key == GRPC_STATUS_CODE && ((Long) value) == 0L)) {
        continue;
      }
      if (shown == MAX_KEY_ATTRIBUTES) {
        break;
      }
      int mark = line.length();
      line.append(' ').append(key.getKey()).append('=');
      ConsoleText.append(line, String.valueOf(value));
      if (shown > 0 && ConsoleText.columns(line) > WIDTH) {
        line.setLength(mark); // show whole attributes: a later one that does not fit is left out, marked
        line.append(" …");
        break;
      }
      shown++;
    }
    for (EventData event : span.getEvents()) {
      if ("exception".equals(event.getName())) {
        line.append(" exception=");
        ConsoleText.append(line, String.valueOf(event.getAttributes().get(EXCEPTION_TYPE)));
        String message = event.getAttributes().get(EXCEPTION_MESSAGE);
        if (message != null) {
          line.append(": ");
          ConsoleText.append(line, message);
        }
      }
    }
  }

  /** Verbose mode: every attribute, sorted, then exceptions and the remote parent, one per line. */
  private static void appendDetails(StringBuilder text, StringBuilder line, SpanData span, String indent) {
    Map<String, Object> sorted = new TreeMap<>();
    span.getAttributes().forEach((key, value) -> sorted.put(key.getKey(), value));
    for (Map.Entry<String, Object> attribute : sorted.entrySet()) {
      line.setLength(0);
      line.append(indent);
      ConsoleText.append(line, attribute.getKey()).append('=');
      ConsoleText.append(line, cut(String.valueOf(attribute.getValue()), MAX_VERBOSE_VALUE_LENGTH));
      text.append(line).append('\n');
    }
    for (EventData event : span.getEvents()) {
      if ("exception".equals(event.getName())) {
        line.setLength(0);
        line.append(indent).append("exception=");
        ConsoleText.append(line, String.valueOf(event.getAttributes().get(EXCEPTION_TYPE)));
        String message = event.getAttributes().get(EXCEPTION_MESSAGE);
        if (message != null) {
          line.append(": ");
          ConsoleText.append(line, cut(message, MAX_VERBOSE_VALUE_LENGTH));
        }
        text.append(line).append('\n');
      }
    }
    if (span.getParentSpanContext().isRemote()) {
      text.append(indent).append("parent=").append(span.getParentSpanId()).append(" (remote)\n");
    }
  }

  /**
   * The name shown: in compact mode an RPC name {@code package.Service/Method} loses its package
   * ({@code Snapshots/Prepare}); the full name is in verbose mode and in {@code rpc.service}.
   */
  private static String displayName(SpanData span, boolean verbose) {
    String name = span.getName();
    if (verbose) {
      return name;
    }
    int slash = name.indexOf('/');
    if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.indexOf(' ') < 0) {
      int dot = name.lastIndexOf('.', slash);
      if (dot > 0 && dot < slash - 1) {
        return name.substring(dot + 1);
      }
    }
    return name;
  }

  private static String duration(long nanos) {
    if (nanos < 1_000_000) {
      return (nanos / 1_000) + " us";
    } else if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
  }

  /** {@code value} cut to {@code max} characters (never splitting a surrogate pair), marked when cut. */
  private static String cut(String value, int max) {
    if (value.length() <= max) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return value.substring(0, end) + "…(" + value.length() + " chars)";
  }
}
