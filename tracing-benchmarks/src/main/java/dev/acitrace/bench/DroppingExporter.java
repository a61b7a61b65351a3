package dev.acitrace.bench;

import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.Collection;

/**
 * What the benchmarks' span and metric exporters share: every export, flush and shutdown succeeds at
 * once and the batch is dropped, so a benchmark measures the SDK up to the exporter, not an exporter.
 * A subclass only notes what it was given, so a test can prove the batches arrived.
 *
 * @param <T> the exported item ({@code SpanData} or {@code MetricData})
 */
abstract class DroppingExporter<T> {

  /** Takes note of a batch before it is dropped (on the exporting thread, never on the call path). */
  abstract void noted(Collection<T> batch);

  public final CompletableResultCode export(Collection<T> batch) {
    noted(batch);
    return CompletableResultCode.ofSuccess();
  }

  public final CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  public final CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
