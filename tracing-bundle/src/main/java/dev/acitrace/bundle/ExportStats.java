package dev.acitrace.bundle;

/**
 * What happened to the spans this process finished, since initialization. {@code exported + failed +
 * dropped} lags the spans ended by what is still queued or in flight; once {@link TracingHandle#close()}
 * returned, it is every sampled span that ended (nothing is queued or in flight any more).
 *
 * @param exportedSpans spans the exporters accepted
 * @param failedSpans spans in export calls that failed (collector down, refused, timed out)
 * @param droppedSpans spans never handed to an exporter because the queue was full
 *     ({@code otel.bsp.max.queue.size}) or tracing had shut down
 * @param queuedSpans spans waiting in the queue right now
 */
public record ExportStats(long exportedSpans, long failedSpans, long droppedSpans, long queuedSpans) {

  /** Nothing exported, failed or dropped: what a handle with exporter {@code none} reports. */
  public static final ExportStats EMPTY = new ExportStats(0, 0, 0, 0);

  /** Spans that were lost: failed plus dropped. */
  public long lostSpans() {
    return failedSpans + droppedSpans;
  }
}
