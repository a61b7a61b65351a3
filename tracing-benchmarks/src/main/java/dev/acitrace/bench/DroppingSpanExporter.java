package dev.acitrace.bench;

import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;

/**
 * Accepts every batch and drops it, so the benchmark measures span creation and the batch processor's
 * hand-off, not an exporter. Counts what it dropped, so a test can prove spans did reach it.
 */
final class DroppingSpanExporter extends DroppingExporter<SpanData> implements SpanExporter {

  private final LongAdder exported = new LongAdder();

  @Override
  void noted(Collection<SpanData> spans) {
    exported.add(spans.size());
  }

  /** Spans exported (and dropped) so far. */
  long exported() {
    return exported.sum();
  }
}
