package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.testing.SilentCollector;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shutdown is honest (issue 13): with the collector down, {@link TracingHandle#close()} returns at its bound,
 * nothing keeps exporting afterwards, every span ended is counted as exported, failed or dropped, and the
 * log says what happened.
 */
@Timeout(60)
class ShutdownTest {

  private static final String WORKER = "BatchSpanProcessor_WorkerThread";
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(Tracing.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void captureLog() {
    logger.addHandler(capture);
  }

  @AfterEach
  void releaseLog() {
    logger.removeHandler(capture);
  }

  private static Set<Thread> workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(WORKER) && t.isAlive()).collect(Collectors.toSet());
  }

  private static TracingHandle init(String endpoint, Duration shutdownTimeout) {
    return Tracing.init(TracingSettings.builder().registerGlobal(false).shutdownHook(false)
        .endpoint(endpoint).shutdownTimeout(shutdownTimeout).build()); // OpenTelemetry's defaults otherwise
  }

  @Test
  void collectorFailing_closeReturnsAtItsBound_nothingRunsAfter_everySpanCounted() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      receiver.failNext(Integer.MAX_VALUE); // UNAVAILABLE, which OTLP retries with backoff
      Set<Thread> before = workers();
      TracingHandle tracing = init(receiver.endpoint(), Duration.ofSeconds(1));
      Tracer tracer = tracing.openTelemetry().getTracer("t");
      for (int i = 0; i < 5_000; i++) {
        tracer.spanBuilder("work-" + i).startSpan().end();
      }

      long start = System.nanoTime();
      tracing.close();
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isLessThan(Duration.ofMillis(2_500)); // the bound (1 s), plus the abandon grace
      ExportStats stats = tracing.exportStats();
      assertThat(stats.exportedSpans() + stats.failedSpans() + stats.droppedSpans())
          .as("every span ended is accounted for: %s", stats).isEqualTo(5_000);
      assertThat(stats.queuedSpans()).isZero();
      assertThat(stats.exportedSpans()).isZero();

      // nothing keeps exporting: the batch worker is gone and the receiver sees no more attempts
      Set<Thread> left = workers();
      left.removeAll(before);
      assertThat(left).as("batch worker threads still alive").isEmpty();
      int attempts = receiver.calls();
      Thread.sleep(1_500); // longer than OTLP's first retry backoff (1 s)
      assertThat(receiver.calls()).as("export attempts after close").isEqualTo(attempts);

      assertThat(warnings).extracting(LogRecord::getMessage)
          .anySatisfy(m -> assertThat(m).startsWith("tracing shut down: 5000 spans lost")
              .contains("did not accept them within the shutdown timeout (PT1S)"));
    }
  }

  @Test
  void collectorDown_twoSecondBound_closeWithinIt() throws Exception {
    String endpoint;
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      endpoint = receiver.endpoint();
    } // nothing listens any more
    TracingHandle tracing = init(endpoint, Duration.ofSeconds(2));
    tracing.openTelemetry().getTracer("t").spanBuilder("lost").startSpan().end();
    long start = System.nanoTime();
    tracing.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_800));
    assertThat(tracing.exportStats().failedSpans()).isEqualTo(1);
  }

  @Test
  void tracesNone_metricsCollectorSilent_warningBlamesTheMetricExporter_notTheSpanExporters() throws Exception {
    // A collector that accepts connections and never answers: the last metric export outlasts the 1 s bound
    // whatever the retry backoff's jitter (to a closed port, OTLP's retries can all fail within 1 s).
    try (SilentCollector silent = new SilentCollector()) {
      TracingHandle tracing = Tracing.init(TracingSettings.builder().registerGlobal(false).shutdownHook(false)
          .exporters("none").endpoint(silent.endpoint()).shutdownTimeout(Duration.ofSeconds(1)).build());
      tracing.openTelemetry().getMeter("t").counterBuilder("pending").build().add(1); // the export has data
      long start = System.nanoTime();
      tracing.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));

      assertThat(warnings).extracting(LogRecord::getMessage).singleElement().satisfies(m -> assertThat(m)
          .isEqualTo("tracing shut down: no spans lost (0 exported); the metric exporters [otlp] did not finish"
              + " their last export within the shutdown timeout (PT1S), so the metrics pending were not"
              + " exported: is the collector reachable?"));
    }
  }

  @Test
  void spanEndedAfterClose_isCountedAsDropped() {
    TracingHandle tracing = Tracing.init(TracingSettings.builder().registerGlobal(false).shutdownHook(false)
        .exporters("console").consoleOutput(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
        .build());
    Span late = tracing.openTelemetry().getTracer("t").spanBuilder("late").startSpan();
    tracing.openTelemetry().getTracer("t").spanBuilder("in-time").startSpan().end();
    tracing.close();
    late.end();
    assertThat(tracing.exportStats()).isEqualTo(new ExportStats(1, 0, 1, 0));
  }

  @Test
  void healthyCollector_closeExportsEverything_andLogsNothing() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      TracingHandle tracing = init(receiver.endpoint(), Duration.ofSeconds(5));
      Tracer tracer = tracing.openTelemetry().getTracer("t");
      for (int i = 0; i < 100; i++) {
        tracer.spanBuilder("ok-" + i).startSpan().end();
      }
      tracing.close();
      assertThat(tracing.exportStats()).isEqualTo(new ExportStats(100, 0, 0, 0));
      assertThat(receiver.spans()).hasSize(100);
      assertThat(warnings).isEmpty();
    }
  }
}
