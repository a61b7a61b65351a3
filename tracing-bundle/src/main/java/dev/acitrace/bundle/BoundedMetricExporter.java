package dev.acitrace.bundle;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps every metric exporter autoconfigure creates, so that shutdown stays within its bound: the
 * periodic reader's shutdown waits (on the closing thread) for its last export, which OTLP retries with
 * backoff while the collector is down. {@link #abandon()} fails what is in flight and every later export at
 * once, and stops the exporter.
 */
final class BoundedMetricExporter implements MetricExporter {

  private final MetricExporter delegate;
  private final Set<CompletableResultCode> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean abandoned;
  private final java.util.concurrent.atomic.AtomicBoolean shutdown = new java.util.concurrent.atomic.AtomicBoolean();

  BoundedMetricExporter(MetricExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    if (abandoned) {
      return CompletableResultCode.ofFailure();
    }
    CompletableResultCode ours = new CompletableResultCode();
    pending.add(ours);
    CompletableResultCode result;
    try {
      result = delegate.export(metrics);
    } catch (RuntimeException e) {
      pending.remove(ours);
      return CompletableResultCode.ofExceptionalFailure(e);
    }
    result.whenComplete(() -> {
      pending.remove(ours);
      if (result.isSuccess()) {
        ours.succeed();
      } else {
        ours.fail();
      }
    });
    if (abandoned) {
      ours.fail();
    }
    return ours;
  }

  /** Fails the exports in flight and all later ones, and shuts the exporter down (cancelling its calls). */
  void abandon() {
    abandoned = true;
    for (CompletableResultCode result : pending) {
      result.fail();
    }
    pending.clear();
    shutdown();
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode flush() {
    return abandoned ? CompletableResultCode.ofFailure() : delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return shutdown.compareAndSet(false, true) ? delegate.shutdown() : CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
