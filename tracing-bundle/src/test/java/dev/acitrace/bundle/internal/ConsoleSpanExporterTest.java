package dev.acitrace.bundle.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.api.trace.StatusCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleSpanExporterTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static SpanData span(String traceId, String spanId, SpanContext parent, String name, SpanKind kind,
      long startMillis, long endMillis, StatusData status, Attributes attributes) {
    return TestSpanData.builder()
        .setSpanContext(SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault()))
        .setParentSpanContext(parent)
        .setName(name).setKind(kind)
        .setStartEpochNanos(startMillis * 1_000_000).setEndEpochNanos(endMillis * 1_000_000)
        .setHasEnded(true).setStatus(status).setAttributes(attributes)
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "svc"))))
        .build();
  }

  private static SpanContext parent(String traceId, String spanId, boolean remote) {
    return remote
        ? SpanContext.createFromRemoteParent(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault())
        : SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
  }

  @Test
  void trace_printedAsIndentedTree_whenItsLocalRootEnds() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10);
    SpanData root = span(TRACE, "0000000000000001", SpanContext.getInvalid(), "snapshots/Prepare",
        SpanKind.SERVER, 0, 12, StatusData.unset(),
        Attributes.builder().put("rpc.system", "grpc").put("rpc.method", "Prepare").build());
    SpanData child = span(TRACE, "0000000000000002", parent(TRACE, "0000000000000001", false), "mount",
        SpanKind.INTERNAL, 1, 3, StatusData.create(StatusCode.ERROR, "disk full"), Attributes.empty());
    SpanData grandchild = span(TRACE, "0000000000000003", parent(TRACE, "0000000000000002", false), "stat",
        SpanKind.CLIENT, 2, 2, StatusData.ok(), Attributes.empty());
    SpanData sibling = span(TRACE, "0000000000000004", parent(TRACE, "0000000000000001", false), "commit",
        SpanKind.INTERNAL, 4, 5, StatusData.unset(), Attributes.empty());

    exporter.export(List.of(grandchild, child, sibling));
    assertThat(printed()).as("nothing before the local root ends").isEmpty();
    exporter.export(List.of(root));

    assertThat(printed()).isEqualTo(
        "trace " + TRACE + " (service svc, 4 spans)\n"
            + "└─ snapshots/Prepare SERVER  12.00 ms OK\n"
            + "   ├─ mount                   2.00 ms ERROR (disk full)\n"
            + "   │  └─ stat CLIENT             0 us OK\n"
            + "   └─ commit                  1.00 ms OK\n");
  }

  @Test
  void serverSpanWithRemoteParent_isALocalRoot() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10);
    exporter.export(List.of(span(TRACE, "0000000000000005", parent(TRACE, "00000000000000aa", true),
        "pkg.Svc/Call", SpanKind.SERVER, 0, 1, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).contains("└─ Svc/Call SERVER   1.00 ms OK\n");
  }

  @Test
  void serverSpanUnderAClientStartedHere_printsInsideTheClientsTree_withTheStartTracker() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10);
    try (io.opentelemetry.sdk.trace.SdkTracerProvider provider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
        .addSpanProcessor(ConsoleExporterProvider.startTracker(exporter).orElseThrow())
        .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter))
        .build()) {
      io.opentelemetry.api.trace.Tracer tracer = provider.get("t");
      io.opentelemetry.api.trace.Span root = tracer.spanBuilder("demo").startSpan();
      io.opentelemetry.api.trace.Span client = tracer.spanBuilder("pkg.Svc/Call").setSpanKind(SpanKind.CLIENT)
          .setParent(io.opentelemetry.context.Context.root().with(root)).startSpan();
      // what the server interceptor extracts from the request headers
      SpanContext remote = SpanContext.createFromRemoteParent(client.getSpanContext().getTraceId(),
          client.getSpanContext().getSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
      tracer.spanBuilder("pkg.Svc/Call").setSpanKind(SpanKind.SERVER)
          .setParent(io.opentelemetry.context.Context.root().with(io.opentelemetry.api.trace.Span.wrap(remote)))
          .startSpan().end();
      assertThat(printed()).as("the server span's parent is still running here").isEmpty();
      client.end();
      assertThat(printed()).isEmpty();
      root.end(); // SimpleSpanProcessor: exported synchronously
      assertThat(printed()).startsWith("trace " + root.getSpanContext().getTraceId() + " (").contains("3 spans)\n")
          .containsPattern("└─ demo .*\n   └─ Svc/Call CLIENT .*\n      └─ Svc/Call SERVER .*\n");
    }
    assertThat(printed().lines().filter(l -> l.startsWith("trace "))).hasSize(1);
    assertThat(ConsoleExporterProvider.startTracker(SpanExporter.composite())).isEmpty();
  }

  @Test
  void unfinishedTraces_areBounded_oldestPrintedIncomplete() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 1);
    exporter.export(List.of(span(TRACE, "0000000000000002", parent(TRACE, "0000000000000001", false),
        "orphan-a", SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).isEmpty();
    exporter.export(List.of(span(OTHER_TRACE, "0000000000000003", parent(OTHER_TRACE, "0000000000000001", false),
        "orphan-b", SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).contains("trace " + TRACE).contains("incomplete").contains("orphan-a")
        .doesNotContain("orphan-b");
  }

  @Test
  void heldSpans_areBoundedAcrossTraces_oldestTracePrintedIncomplete() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10, 3, 10);
    exporter.export(List.of(
        span(TRACE, "0000000000000002", parent(TRACE, "0000000000000001", false), "a1", SpanKind.INTERNAL,
            0, 1, StatusData.unset(), Attributes.empty()),
        span(TRACE, "0000000000000003", parent(TRACE, "0000000000000001", false), "a2", SpanKind.INTERNAL,
            0, 1, StatusData.unset(), Attributes.empty()),
        span(OTHER_TRACE, "0000000000000004", parent(OTHER_TRACE, "0000000000000001", false), "b1",
            SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).as("3 spans held, within the bound").isEmpty();
    exporter.export(List.of(span(OTHER_TRACE, "0000000000000005", parent(OTHER_TRACE, "0000000000000001", false),
        "b2", SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).contains("trace " + TRACE + " (service svc, 2 spans, incomplete")
        .contains("a1").contains("a2").doesNotContain("b1");
    // the other trace stays held, both its spans, and prints whole when its root ends
    exporter.export(List.of(span(OTHER_TRACE, "0000000000000001", SpanContext.getInvalid(), "b-root",
        SpanKind.SERVER, 0, 2, StatusData.unset(), Attributes.empty())));
    assertThat(printed()).contains("trace " + OTHER_TRACE + " (service svc, 3 spans)\n");
  }

  @Test
  void startTracker_forgetsTheOldestIds_insteadOfRefusingNewOnes() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10, 100, 2);
    try (io.opentelemetry.sdk.trace.SdkTracerProvider provider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
        .addSpanProcessor(exporter.startTracker()).build()) {
      io.opentelemetry.api.trace.Tracer tracer = provider.get("t");
      // three spans started and never exported (e.g. dropped by a full queue): the first is forgotten
      tracer.spanBuilder("lost-1").startSpan();
      tracer.spanBuilder("lost-2").startSpan();
      io.opentelemetry.api.trace.Span client = tracer.spanBuilder("client").startSpan();
      SpanContext remote = SpanContext.createFromRemoteParent(client.getSpanContext().getTraceId(),
          client.getSpanContext().getSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
      // the newest one is still tracked: a server span under it is not a local root
      exporter.export(List.of(span(client.getSpanContext().getTraceId(), "00000000000000f1", remote, "server",
          SpanKind.SERVER, 0, 1, StatusData.unset(), Attributes.empty())));
      assertThat(printed()).as("the server span waits for its in-process parent").isEmpty();
    }
  }

  @Test
  void shutdown_printsWhatIsLeft_andRejectsLaterExports() {
    ConsoleSpanExporter exporter = new ConsoleSpanExporter(out, 10);
    exporter.export(List.of(span(TRACE, "0000000000000002", parent(TRACE, "0000000000000001", false),
        "orphan", SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.empty())));
    exporter.shutdown();
    assertThat(printed()).contains("orphan").contains("incomplete");
    assertThat(exporter.export(List.of()).isSuccess()).isFalse();
  }

  private static final String HOSTILE = "a\u001b[2J\u001b]0;owned\u0007b\rc\u0000d\u202eevil\u2066e\u009bf\u007fg"
      + "\ud800h\\u001bi\n";
  private static final String HOSTILE_ESCAPED = "a\\u001b[2J\\u001b]0;owned\\u0007b\\u000dc\\u0000d\\u202eevil"
      + "\\u2066e\\u009bf\\u007fg\\ud800h\\\\u001bi\\u000a";

  @Test
  void escape_controlsBidiAndLoneSurrogates_becomeUnicodeEscapes_backslashDoubled() {
    assertThat(ConsoleText.escape(HOSTILE)).isEqualTo(HOSTILE_ESCAPED);
    assertThat(ConsoleText.escape("plain ünïcödé 😀 /tmp/x")).isEqualTo("plain ünïcödé 😀 /tmp/x");
  }

  @Test
  void everythingPrinted_isEscaped_compactAndVerbose() {
    SpanData span = TestSpanData.builder()
        .setSpanContext(SpanContext.create(TRACE, "0000000000000001", TraceFlags.getSampled(), TraceState.getDefault()))
        .setParentSpanContext(SpanContext.getInvalid())
        .setName("name" + HOSTILE).setKind(SpanKind.SERVER)
        .setStartEpochNanos(0).setEndEpochNanos(1_000_000).setHasEnded(true)
        .setStatus(StatusData.create(StatusCode.ERROR, "desc" + HOSTILE))
        .setAttributes(Attributes.builder().put("snapshot.key", "key" + HOSTILE).put("request.id", "id" + HOSTILE)
            .put("baggage.x" + HOSTILE, "v" + HOSTILE).build())
        .setEvents(List.of(io.opentelemetry.sdk.trace.data.EventData.create(0, "exception", Attributes.builder()
            .put("exception.type", "T" + HOSTILE).put("exception.message", "m" + HOSTILE).build())))
        .setTotalRecordedEvents(1)
        .setResource(Resource.create(Attributes.of(
            io.opentelemetry.api.common.AttributeKey.stringKey("service.name"), "svc" + HOSTILE)))
        .build();
    for (boolean verbose : new boolean[] {false, true}) {
      String text = ConsoleSpanExporter.render(TRACE, List.of(span), 0, false, verbose);
      assertThat(text.chars().filter(c -> c < 0x20 && c != '\n' || (c >= 0x7f && c <= 0x9f)
          || c == 0x202e || c == 0x2066 || Character.isSurrogate((char) c))).as(text).isEmpty();
      assertThat(text.lines()).allSatisfy(line -> assertThat(line).doesNotContain("\u001b"));
      assertThat(text).contains("\\u001b[2J").contains("\\u202eevil").contains("\\u000dc")
          .contains("\\ud800h").contains("\\\\u001bi");
    }
    String verbose = ConsoleSpanExporter.render(TRACE, List.of(span), 0, false, true);
    assertThat(verbose).contains("baggage.x" + HOSTILE_ESCAPED + "=v" + HOSTILE_ESCAPED)
        .contains("exception=T" + HOSTILE_ESCAPED + ": m" + HOSTILE_ESCAPED)
        .contains("snapshot.key=key" + HOSTILE_ESCAPED).contains("request.id=id" + HOSTILE_ESCAPED);
  }

  @Test
  void compactLines_fitTheWidth_withoutSplittingAnEscape() {
    String longName = "containerd.services.snapshots.v1.Snapshots/Prepare";
    SpanData root = span(TRACE, "0000000000000001", SpanContext.getInvalid(), longName, SpanKind.CLIENT, 0, 1222,
        StatusData.unset(), Attributes.builder().put("rpc.system", "grpc").put("request.id", "r-1")
            .put("baggage.image.name", "docker.io/library/busybox").put("rpc.grpc.status_code", 0L).build());
    SpanData child = span(TRACE, "0000000000000002", parent(TRACE, "0000000000000001", false),
        "snapshotter.Prepare", SpanKind.INTERNAL, 1, 2, StatusData.create(StatusCode.ERROR, "x".repeat(300)),
        Attributes.builder().put("snapshot.key", "default/1/" + "\u001b".repeat(100)).build());

    String text = ConsoleSpanExporter.render(TRACE, List.of(root, child), 0, false);

    assertThat(text.lines()).allSatisfy(line -> assertThat(ConsoleText.columns(line)).isLessThanOrEqualTo(120));
    assertThat(text).startsWith("trace " + TRACE + " (service svc, 2 spans) request.id r-1\n")
        .contains("└─ Snapshots/Prepare CLIENT   1.222 s OK\n")
        .contains("   └─ snapshotter.Prepare     1.00 ms ERROR (xxx")
        .doesNotContain("rpc.system").doesNotContain("baggage.").doesNotContain("rpc.grpc.status_code");
    for (int width = 100; width < 140; width++) {
      StringBuilder line = new StringBuilder("ab\\u001bcd\\\\ef".repeat(12));
      ConsoleText.fit(line, 0, width);
      assertThat(line.toString()).doesNotContainPattern("\\\\u[0-9a-f]{0,3}…").as("%d", width)
          .doesNotContainPattern("(?<!\\\\)(\\\\\\\\)*\\\\…");
      assertThat(ConsoleText.columns(line)).isLessThanOrEqualTo(width);
    }
  }

  @Test
  void compactLines_showTheAttributesThatMatter_verboseShowsAll() {
    var attributes = Attributes.builder();
    for (int i = 0; i < 20; i++) {
      attributes.put("k" + (char) ('a' + i), "v");
    }
    attributes.put("long", "x".repeat(2000)).put("snapshot.key", "default/1/k").put("rpc.grpc.status_code", 5L);
    SpanData span = span(TRACE, "0000000000000001", parent(TRACE, "00000000000000aa", true),
        "pkg.Svc/Call", SpanKind.SERVER, 0, 1, StatusData.unset(), attributes.build());

    String compact = ConsoleSpanExporter.render(TRACE, List.of(span), 0, false, false);
    String verbose = ConsoleSpanExporter.render(TRACE, List.of(span), 0, false, true);

    assertThat(compact).contains("└─ Svc/Call SERVER   1.00 ms OK rpc.grpc.status_code=5 snapshot.key=default/1/k\n")
        .doesNotContain("ka=");
    assertThat(compact.lines()).hasSize(2);
    assertThat(verbose).contains("└─ pkg.Svc/Call SERVER   1.00 ms OK\n").contains("\n      ka=v\n")
        .contains("\n      kt=v\n").contains("\n      parent=00000000000000aa (remote)\n")
        .contains("x".repeat(1000) + "…(2000 chars)").doesNotContain("x".repeat(1001));
    assertThat(verbose.lines()).hasSize(2 + 23 + 1);
  }

  @Test
  void compactLines_leaveOutAnAttributeThatDoesNotFitWhole() {
    SpanData span = span(TRACE, "0000000000000001", SpanContext.getInvalid(), "snapshotter.Commit",
        SpanKind.INTERNAL, 0, 1, StatusData.unset(), Attributes.builder()
            .put("snapshot.key", "default/1/extract-layer-1-" + "k".repeat(40))
            .put("snapshot.name", "default/2/sha256:" + "0".repeat(64)).build());

    String line = ConsoleSpanExporter.render(TRACE, List.of(span), 0, false).lines().skip(1).findFirst().orElseThrow();

    assertThat(line).endsWith("k".repeat(40) + " …").doesNotContain("snapshot.name");
    assertThat(ConsoleText.columns(line)).isLessThanOrEqualTo(120);
  }

  @Test
  void provider_readsTheVerboseSetting() {
    var provider = new ConsoleExporterProvider();
    assertThat(provider.create(dev.acitrace.api.TracingConfig.of(java.util.Map.of())))
        .hasToString("ConsoleSpanExporter{maxTraces=1024}");
    assertThat(ConsoleExporterProvider.create(dev.acitrace.api.TracingConfig.of(java.util.Map.of()), out))
        .hasToString("ConsoleSpanExporter{maxTraces=1024}");
    assertThat(ConsoleExporterProvider.create(dev.acitrace.api.TracingConfig.of(
        java.util.Map.of("acitrace.console.verbose", "true")), out))
        .hasToString("ConsoleSpanExporter{maxTraces=1024, verbose}");
  }
}
