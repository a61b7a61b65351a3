package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.api.trace.SpanKind;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A collector that is down or black-holes requests: traced work completes normally, the queue stays
 * bounded, and the loss is visible in {@link TracingHandle#exportStats()} and in one rate-limited log line.
 */
@Timeout(60)
class FailureIsolationTest {

  private static final int QUEUE = 64;
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

  private static TracingSettings.Builder settings(String endpoint) {
    return TracingSettings.builder().registerGlobal(false).shutdownHook(false)
        .endpoint(endpoint)
        .shutdownTimeout(Duration.ofSeconds(3))
        .property("otel.exporter.otlp.timeout", "300ms")
        .property("otel.bsp.max.queue.size", Integer.toString(QUEUE))
        .property("otel.bsp.max.export.batch.size", "16")
        .property("otel.bsp.schedule.delay", "10ms");
  }

  @Test
  void receiverStopped_tracedWorkCompletes_queueBounded_lossCountedAndLoggedOnce() throws Exception {
    String endpoint;
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      endpoint = receiver.endpoint();
    } // stopped: nothing listens on the port any more

    TracingHandle tracing = Tracing.init(settings(endpoint).build());
    Tracer tracer = tracing.openTelemetry().getTracer("t");
    int ended = 0;
    for (int i = 0; i < 5_000; i++) {
      tracer.spanBuilder("work-" + i).startSpan().end();
      ended++;
    }
    assertThat(ended).isEqualTo(5_000); // every traced operation completed, none threw

    ExportStats stats = awaitStats(tracing, s -> s.failedSpans() > 0 && s.droppedSpans() > 0);
    assertThat(stats.queuedSpans()).isLessThanOrEqualTo(QUEUE);
    assertThat(stats.exportedSpans()).isZero();
    // everything ended is accounted for, queued, in flight (one batch) or lost
    assertThat(stats.droppedSpans() + stats.failedSpans() + stats.queuedSpans())
        .isGreaterThan(5_000 - QUEUE - 16);

    tracing.close();
    assertThat(tracing.exportStats().lostSpans()).isGreaterThan(0);
    List<LogRecord> lossLines = warnings.stream()
        .filter(r -> r.getMessage().startsWith("spans are being lost")).toList();
    // rate-limited: the first loss is reported at once, the rest within the minute are not
    assertThat(lossLines).hasSize(1);
    assertThat(lossLines.get(0).getMessage()).contains("failed to export").contains("dropped (queue full)");
  }

  @Test
  void receiverBlackHoles_closeReturnsWithinItsBound_andCountsTheFailure() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      receiver.blackHole(true);
      TracingHandle tracing = Tracing.init(settings(receiver.endpoint()).build());
      Tracer tracer = tracing.openTelemetry().getTracer("t");
      for (int i = 0; i < 10; i++) {
        tracer.spanBuilder("work-" + i).startSpan().end();
      }
      tracing.close(); // bounded by the export timeout and the shutdown timeout, not by the collector
      assertThat(tracing.exportStats().failedSpans()).isEqualTo(10);
      assertThat(receiver.spans()).isEmpty();
    }
  }

  @Test
  void exporterThatThrows_isCountedAsFailed_andNeverPropagates() {
    SpanExporter broken = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        throw new IllegalStateException("boom");
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    CountingSpanExporter counting = new CountingSpanExporter(broken, () -> 0);
    SpanData span = TestSpanData.builder().setName("s").setKind(SpanKind.INTERNAL)
        .setStartEpochNanos(1).setEndEpochNanos(2).setHasEnded(true).setStatus(StatusData.unset()).build();
    CompletableResultCode result = counting.export(List.of(span, span));
    assertThat(result.isSuccess()).isFalse();
    assertThat(counting.failed()).isEqualTo(2);
    assertThat(counting.exported()).isZero();
  }

  private static ExportStats awaitStats(TracingHandle tracing, java.util.function.Predicate<ExportStats> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    ExportStats stats = tracing.exportStats();
    while (!done.test(stats) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      stats = tracing.exportStats();
    }
    assertThat(done.test(stats)).as("stats reached in time: %s", stats).isTrue();
    return stats;
  }
}
