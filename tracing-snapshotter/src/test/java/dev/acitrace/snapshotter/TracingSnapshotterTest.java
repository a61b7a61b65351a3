package dev.acitrace.snapshotter;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.baggage.BaggageKeys;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TracingSnapshotterTest {

  @RegisterExtension
  static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  private static final SnapshotInfo INFO = new SnapshotInfo("name", "parent", Kind.COMMITTED,
      Instant.EPOCH, Instant.EPOCH, Map.of("a", "1", "b", "2"));
  private static final List<Mount> MOUNTS = List.of(Mount.bind("/dir", false));

  /** Records what it was called with and the baggage it saw; fails for keys starting with "missing". */
  private final Recorder recorder = new Recorder();
  private final Snapshotter traced = TracingSnapshotter.wrap(recorder, otel.getOpenTelemetry());

  @Test
  void prepare_spanIsInternalChildOfCurrentSpan_withAttributes() {
    Span parent = otel.getOpenTelemetry().getTracer("test").spanBuilder("server").startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      assertThat(traced.prepare("key", "base", Map.of("x", "y"))).isEqualTo(MOUNTS);
    } finally {
      parent.end();
    }

    otel.assertTraces().hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("server"),
        span -> span.hasName("snapshotter.Prepare")
            .hasKind(SpanKind.INTERNAL)
            .hasParent(trace.getSpan(0))
            .hasAttributesSatisfyingExactly(
                equalTo(TracingSnapshotter.SNAPSHOT_KEY, "key"),
                equalTo(TracingSnapshotter.SNAPSHOT_PARENT, "base"),
                equalTo(TracingSnapshotter.SNAPSHOT_KIND, "active"),
                equalTo(TracingSnapshotter.SNAPSHOT_LABELS_COUNT, 1L),
                equalTo(TracingSnapshotter.SNAPSHOT_MOUNTS_COUNT, 1L))
            .hasStatus(io.opentelemetry.sdk.trace.data.StatusData.unset())));
  }

  @Test
  void everyOperation_hasOneSpanNamedAfterIt() {
    traced.stat("k");
    traced.update(SnapshotInfo.forUpdate("k", Map.of("l", "v")), List.of("labels.l"));
    traced.usage("k");
    traced.mounts("k");
    traced.prepare("k", "", Map.of());
    traced.view("k", "", Map.of());
    traced.commit("n", "k", Map.of());
    traced.remove("k");
    traced.walk(info -> { }, List.of());
    traced.cleanup();
    traced.close();

    assertThat(otel.getSpans()).extracting(SpanData::getName).containsExactly(
        "snapshotter.Stat", "snapshotter.Update", "snapshotter.Usage", "snapshotter.Mounts",
        "snapshotter.Prepare", "snapshotter.View", "snapshotter.Commit", "snapshotter.Remove",
        "snapshotter.Walk", "snapshotter.Cleanup");
    assertThat(otel.getSpans()).allSatisfy(s -> {
      assertThat(s.getKind()).isEqualTo(SpanKind.INTERNAL);
      assertThat(s.getInstrumentationScopeInfo().getName()).isEqualTo(TracingSnapshotter.INSTRUMENTATION_SCOPE);
    });
    assertThat(recorder.calls).containsExactly("stat", "update", "usage", "mounts", "prepare", "view",
        "commit", "remove", "walk", "cleanup", "close");
  }

  @Test
  void resultAttributes_describeWhatTheOperationReturned() {
    traced.stat("name");
    traced.usage("k");
    traced.commit("committed", "k", Map.of("a", "1"));
    traced.view("v", "committed", Map.of());
    traced.update(SnapshotInfo.forUpdate("name", Map.of()), List.of("labels.a", "labels.b"));
    List<SnapshotInfo> seen = new ArrayList<>();
    traced.walk(seen::add, List.of("kind==committed"));

    List<SpanData> spans = otel.getSpans();
    assertThat(spans.get(0).getAttributes().asMap()).containsOnly(
        Map.entry(TracingSnapshotter.SNAPSHOT_KEY, "name"),
        Map.entry(TracingSnapshotter.SNAPSHOT_KIND, "committed"),
        Map.entry(TracingSnapshotter.SNAPSHOT_PARENT, "parent"),
        Map.entry(TracingSnapshotter.SNAPSHOT_LABELS_COUNT, 2L));
    assertThat(spans.get(1).getAttributes().get(TracingSnapshotter.SNAPSHOT_USAGE_SIZE)).isEqualTo(4096L);
    assertThat(spans.get(1).getAttributes().get(TracingSnapshotter.SNAPSHOT_USAGE_INODES)).isEqualTo(7L);
    assertThat(spans.get(2).getAttributes().get(TracingSnapshotter.SNAPSHOT_NAME)).isEqualTo("committed");
    assertThat(spans.get(2).getAttributes().get(TracingSnapshotter.SNAPSHOT_KEY)).isEqualTo("k");
    assertThat(spans.get(2).getAttributes().get(TracingSnapshotter.SNAPSHOT_KIND)).isEqualTo("committed");
    assertThat(spans.get(3).getAttributes().get(TracingSnapshotter.SNAPSHOT_KIND)).isEqualTo("view");
    assertThat(spans.get(3).getAttributes().get(TracingSnapshotter.SNAPSHOT_PARENT)).isEqualTo("committed");
    assertThat(spans.get(4).getAttributes().get(TracingSnapshotter.SNAPSHOT_UPDATE_PATHS))
        .containsExactly("labels.a", "labels.b");
    assertThat(spans.get(5).getAttributes().get(TracingSnapshotter.SNAPSHOT_FILTERS))
        .containsExactly("kind==committed");
    assertThat(spans.get(5).getAttributes().get(TracingSnapshotter.SNAPSHOT_COUNT)).isEqualTo(2L);
    assertThat(seen).hasSize(2);
  }

  @Test
  void failure_setsErrorStatusAndExceptionEvent_andRethrowsUnchanged() {
    assertThatThrownBy(() -> traced.remove("missing-k"))
        .isInstanceOf(NotFoundException.class)
        .isSameAs(recorder.lastFailure);

    otel.assertTraces().hasTracesSatisfyingExactly(trace -> trace.hasSpansSatisfyingExactly(
        span -> span.hasName("snapshotter.Remove")
            .hasStatus(io.opentelemetry.sdk.trace.data.StatusData.create(StatusCode.ERROR, "snapshot missing-k does not exist"))
            .hasException(recorder.lastFailure)
            .hasAttributesSatisfying(attributes -> assertThat(attributes.get(
                io.opentelemetry.api.common.AttributeKey.stringKey("error.type")))
                .isEqualTo(NotFoundException.class.getName()))));
  }

  @Test
  void failureOfEveryOperation_isRecorded_andNotFoundOfAProbeIsNoError() {
    List<Runnable> errors = List.of(
        () -> traced.update(SnapshotInfo.forUpdate("missing", Map.of()), List.of()),
        () -> traced.prepare("missing", "", Map.of()),
        () -> traced.view("missing", "", Map.of()),
        () -> traced.commit("n", "missing", Map.of()),
        () -> traced.remove("missing"),
        () -> traced.walk(i -> { }, List.of("missing")),
        () -> traced.cleanup());
    recorder.failCleanup = true;
    for (Runnable call : errors) {
      assertThatThrownBy(call::run).isInstanceOf(SnapshotterException.class);
    }
    assertThat(otel.getSpans()).hasSize(errors.size()).allSatisfy(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getEvents()).extracting(e -> e.getName()).containsExactly("exception");
    });
    otel.clearSpans();

    // containerd probes for existence with Stat, Mounts and Usage: NOT_FOUND is an answer there
    List<Runnable> probes = List.of(
        () -> traced.stat("missing"),
        () -> traced.usage("missing"),
        () -> traced.mounts("missing"));
    for (Runnable call : probes) {
      assertThatThrownBy(call::run).isInstanceOf(NotFoundException.class);
    }
    assertThat(otel.getSpans()).hasSize(probes.size()).allSatisfy(span -> {
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("error.type"))).isNull();
      assertThat(span.getEvents()).extracting(e -> e.getName()).containsExactly("exception");
    });
    otel.clearSpans();

    // any other failure of a probe is still an error
    recorder.failWith = new IllegalStateException("disk gone");
    assertThatThrownBy(() -> traced.stat("k")).isSameAs(recorder.failWith);
    assertThat(otel.getSpans()).singleElement()
        .satisfies(span -> assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
  }

  @Test
  void snapshotKey_isInBaggageWhileTheDelegateRuns_andOnlyThen() {
    Baggage outer = Baggage.builder().put(BaggageKeys.REQUEST_ID, "r-1").build();
    try (Scope ignored = outer.makeCurrent()) {
      traced.mounts("the-key");
      assertThat(Baggage.current().getEntryValue(BaggageKeys.SNAPSHOT_KEY)).isNull();
    }
    assertThat(recorder.baggage.getEntryValue(BaggageKeys.SNAPSHOT_KEY)).isEqualTo("the-key");
    assertThat(recorder.baggage.getEntryValue(BaggageKeys.REQUEST_ID)).isEqualTo("r-1");
    assertThat(recorder.currentSpan.getSpanContext()).isEqualTo(otel.getSpans().get(0).getSpanContext());
  }

  @Test
  void hugeKey_isCutOnTheSpan_andKeptOutOfBaggage() {
    String huge = "missing" + "k".repeat(1 << 20);
    assertThatThrownBy(() -> traced.stat(huge)).isInstanceOf(NotFoundException.class);
    assertThat(otel.getSpans().get(0).getAttributes().get(TracingSnapshotter.SNAPSHOT_KEY))
        .hasSize(SnapshotLimits.MAX_KEY_SIZE).startsWith("missingkkk");
    assertThat(recorder.baggage.getEntryValue(BaggageKeys.SNAPSHOT_KEY)).isNull();
  }

  @Test
  void wrap_nullArguments_failFastNamingThem() {
    assertThatThrownBy(() -> TracingSnapshotter.wrap(null, otel.getOpenTelemetry()))
        .isInstanceOf(NullPointerException.class).hasMessage("delegate");
    assertThatThrownBy(() -> TracingSnapshotter.wrap(recorder, null))
        .isInstanceOf(NullPointerException.class).hasMessage("openTelemetry");
  }

  @Test
  void notSampled_delegateStillRuns_andNoSpanIsExported() {
    Snapshotter unsampled = TracingSnapshotter.wrap(recorder, io.opentelemetry.api.OpenTelemetry.noop());
    assertThat(unsampled.usage("k")).isEqualTo(new Usage(4096, 7));
    assertThat(recorder.baggage.getEntryValue(BaggageKeys.SNAPSHOT_KEY)).isEqualTo("k");
    assertThat(otel.getSpans()).isEmpty();
  }

  private static final class Recorder implements Snapshotter {
    final List<String> calls = new ArrayList<>();
    Baggage baggage;
    Span currentSpan;
    RuntimeException lastFailure;
    boolean failCleanup;
    RuntimeException failWith;

    private void enter(String call, String key) {
      calls.add(call);
      baggage = Baggage.current();
      currentSpan = Span.current();
      if (failWith != null) {
        throw failWith;
      }
      if (key != null && key.startsWith("missing")) {
        lastFailure = new NotFoundException("snapshot " + key + " does not exist");
        throw lastFailure;
      }
    }

    @Override
    public SnapshotInfo stat(String key) {
      enter("stat", key);
      return INFO;
    }

    @Override
    public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
      enter("update", info.name());
      return INFO;
    }

    @Override
    public Usage usage(String key) {
      enter("usage", key);
      return new Usage(4096, 7);
    }

    @Override
    public List<Mount> mounts(String key) {
      enter("mounts", key);
      return MOUNTS;
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
      enter("prepare", key);
      return MOUNTS;
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
      enter("view", key);
      return MOUNTS;
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
      enter("commit", key);
    }

    @Override
    public void remove(String key) {
      enter("remove", key);
    }

    @Override
    public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
      enter("walk", filters.isEmpty() ? null : filters.get(0));
      visitor.accept(INFO);
      visitor.accept(INFO);
    }

    @Override
    public void cleanup() {
      enter("cleanup", failCleanup ? "missing" : null);
    }

    @Override
    public void close() {
      calls.add("close");
    }
  }
}
