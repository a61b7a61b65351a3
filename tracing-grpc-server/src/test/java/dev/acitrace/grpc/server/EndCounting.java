package dev.acitrace.grpc.server;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Ended exactly once" checks that can fail. The SDK silently ignores a second {@code end()}, so counting
 * exported spans cannot see one: {@link #processor()} counts {@code onStart}/{@code onEnd} per span id,
 * and {@link #wrap(OpenTelemetry)} hands the code under test spans whose {@code end()} calls are counted
 * before they reach the SDK. The wrapper also sees unsampled spans, which never reach a processor, so
 * "every span handed out was ended" holds for them too.
 */
final class EndCounting {

  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> ended = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> endCalls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> handedOut = new ConcurrentHashMap<>();
  private final AtomicLong extraEndCalls = new AtomicLong();

  /** A processor to add to the SDK: counts starts and ends per span id. */
  SpanProcessor processor() {
    return new SpanProcessor() {
      @Override
      public void onStart(Context parentContext, ReadWriteSpan span) {
        started.computeIfAbsent(span.getSpanContext().getSpanId(), k -> new AtomicInteger()).incrementAndGet();
      }

      @Override
      public boolean isStartRequired() {
        return true;
      }

      @Override
      public void onEnd(ReadableSpan span) {
        ended.computeIfAbsent(span.getSpanContext().getSpanId(), k -> new AtomicInteger()).incrementAndGet();
      }

      @Override
      public boolean isEndRequired() {
        return true;
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  /** Spans started (recording ones: the SDK calls processors only for those). */
  int startedCount() {
    return started.size();
  }

  /** Spans the wrapper handed to the code under test, sampled or not. */
  int handedOutCount() {
    return handedOut.size();
  }

  /**
   * Span ids started but not (yet) ended: recording spans without {@code onEnd}, and spans handed out
   * through {@link #wrap} (sampled or not) on which {@code end()} was never called.
   */
  java.util.Set<String> unended() {
    java.util.Set<String> open = new java.util.TreeSet<>(started.keySet());
    open.removeAll(ended.keySet());
    java.util.Set<String> notEndCalled = new java.util.TreeSet<>(handedOut.keySet());
    notEndCalled.removeAll(endCalls.keySet());
    open.addAll(notEndCalled);
    return open;
  }

  /** Span ids whose onEnd ran more than once. */
  java.util.Set<String> endedTwice() {
    java.util.Set<String> twice = new java.util.TreeSet<>();
    ended.forEach((id, n) -> { if (n.get() > 1) twice.add(id); });
    return twice;
  }

  /** {@code end()} calls on a span that had already been ended (by the code under test). */
  long extraEndCalls() {
    return extraEndCalls.get();
  }

  /** Waits (bounded) until every started span has ended; returns whether they all did. */
  boolean awaitAllEnded(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!unended().isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  /** {@code delegate} with every span it starts wrapped so that second {@code end()} calls are counted. */
  OpenTelemetry wrap(OpenTelemetry delegate) {
    TracerProvider provider = new TracerProvider() {
      @Override
      public Tracer get(String name) {
        return tracer(delegate.getTracerProvider().get(name));
      }

      @Override
      public Tracer get(String name, String version) {
        return tracer(delegate.getTracerProvider().get(name, version));
      }

      @Override
      public TracerBuilder tracerBuilder(String name) {
        TracerBuilder b = delegate.getTracerProvider().tracerBuilder(name);
        return new TracerBuilder() {
          @Override
          public TracerBuilder setSchemaUrl(String url) {
            b.setSchemaUrl(url);
            return this;
          }

          @Override
          public TracerBuilder setInstrumentationVersion(String v) {
            b.setInstrumentationVersion(v);
            return this;
          }

          @Override
          public Tracer build() {
            return tracer(b.build());
          }
        };
      }
    };
    return new OpenTelemetry() {
      @Override
      public TracerProvider getTracerProvider() {
        return provider;
      }

      @Override
      public io.opentelemetry.api.metrics.MeterProvider getMeterProvider() {
        return delegate.getMeterProvider();
      }

      @Override
      public ContextPropagators getPropagators() {
        return delegate.getPropagators();
      }
    };
  }

  private Tracer tracer(Tracer t) {
    return name -> new CountingSpanBuilder(t.spanBuilder(name));
  }

  private final class CountingSpanBuilder implements SpanBuilder {
    private final SpanBuilder b;

    CountingSpanBuilder(SpanBuilder b) {
      this.b = b;
    }

    @Override public SpanBuilder setParent(Context context) { b.setParent(context); return this; }
    @Override public SpanBuilder setNoParent() { b.setNoParent(); return this; }
    @Override public SpanBuilder addLink(SpanContext spanContext) { b.addLink(spanContext); return this; }
    @Override public SpanBuilder addLink(SpanContext spanContext, Attributes attributes) { b.addLink(spanContext, attributes); return this; }
    @Override public SpanBuilder setAttribute(String key, String value) { b.setAttribute(key, value); return this; }
    @Override public SpanBuilder setAttribute(String key, long value) { b.setAttribute(key, value); return this; }
    @Override public SpanBuilder setAttribute(String key, double value) { b.setAttribute(key, value); return this; }
    @Override public SpanBuilder setAttribute(String key, boolean value) { b.setAttribute(key, value); return this; }
    @Override public <T> SpanBuilder setAttribute(AttributeKey<T> key, T value) { b.setAttribute(key, value); return this; }
    @Override public SpanBuilder setSpanKind(SpanKind spanKind) { b.setSpanKind(spanKind); return this; }
    @Override public SpanBuilder setStartTimestamp(long startTimestamp, TimeUnit unit) { b.setStartTimestamp(startTimestamp, unit); return this; }

    @Override
    public Span startSpan() {
      Span span = b.startSpan();
      handedOut.computeIfAbsent(span.getSpanContext().getSpanId(), k -> new AtomicInteger()).incrementAndGet();
      return new CountingSpan(span);
    }
  }

  private final class CountingSpan implements Span {
    private final Span s;

    CountingSpan(Span s) {
      this.s = s;
    }

    private void counted() {
      int n = endCalls.computeIfAbsent(s.getSpanContext().getSpanId(), k -> new AtomicInteger()).incrementAndGet();
      if (n > 1 && s.getSpanContext().isValid()) {
        extraEndCalls.incrementAndGet();
      }
    }

    @Override public <T> Span setAttribute(AttributeKey<T> key, T value) { s.setAttribute(key, value); return this; }
    @Override public Span addEvent(String name, Attributes attributes) { s.addEvent(name, attributes); return this; }
    @Override public Span addEvent(String name, Attributes attributes, long timestamp, TimeUnit unit) { s.addEvent(name, attributes, timestamp, unit); return this; }
    @Override public Span setStatus(StatusCode statusCode, String description) { s.setStatus(statusCode, description); return this; }
    @Override public Span recordException(Throwable exception, Attributes additionalAttributes) { s.recordException(exception, additionalAttributes); return this; }
    @Override public Span updateName(String name) { s.updateName(name); return this; }
    @Override public void end() { counted(); s.end(); }
    @Override public void end(long timestamp, TimeUnit unit) { counted(); s.end(timestamp, unit); }
    @Override public void end(Instant timestamp) { counted(); s.end(timestamp); }
    @Override public SpanContext getSpanContext() { return s.getSpanContext(); }
    @Override public boolean isRecording() { return s.isRecording(); }
    @Override public Span addLink(SpanContext spanContext, Attributes attributes) { s.addLink(spanContext, attributes); return this; }
  }
}
