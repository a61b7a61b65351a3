package dev.acitrace.reliability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.metrics.MeterProvider;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link OpenTelemetry} decorator whose spans count their {@code end()} calls: the SDK ignores a second
 * {@code end()} silently, so a span processor alone cannot see one. Everything else is delegated: the
 * span forwards the methods {@link Span} leaves abstract (and {@code addLink}, whose default drops the
 * link); its convenience overloads reach them through {@link Span}'s defaults.
 */
final class EndCounting {
  final AtomicLong spans = new AtomicLong();
  final AtomicLong ends = new AtomicLong();
  final AtomicLong secondEnds = new AtomicLong();
  final List<String> examples = new CopyOnWriteArrayList<>();

  OpenTelemetry wrap(OpenTelemetry delegate) {
    TracerProvider tracers = new TracerProvider() {
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
        TracerBuilder builder = delegate.getTracerProvider().tracerBuilder(name);
        return new TracerBuilder() {
          @Override
          public TracerBuilder setSchemaUrl(String schemaUrl) {
            builder.setSchemaUrl(schemaUrl);
            return this;
          }

          @Override
          public TracerBuilder setInstrumentationVersion(String version) {
            builder.setInstrumentationVersion(version);
            return this;
          }

          @Override
          public Tracer build() {
            return tracer(builder.build());
          }
        };
      }
    };
    return new OpenTelemetry() {
      @Override
      public TracerProvider getTracerProvider() {
        return tracers;
      }

      @Override
      public MeterProvider getMeterProvider() {
        return delegate.getMeterProvider();
      }

      @Override
      public LoggerProvider getLogsBridge() {
        return delegate.getLogsBridge();
      }

      @Override
      public ContextPropagators getPropagators() {
        return delegate.getPropagators();
      }
    };
  }

  private Tracer tracer(Tracer delegate) {
    return name -> new Builder(delegate.spanBuilder(name), name);
  }

  private final class Builder implements SpanBuilder {
    private final SpanBuilder delegate;
    private final String name;

    Builder(SpanBuilder delegate, String name) {
      this.delegate = delegate;
      this.name = name;
    }

    @Override
    public SpanBuilder setParent(Context context) {
      delegate.setParent(context);
      return this;
    }

    @Override
    public SpanBuilder setNoParent() {
      delegate.setNoParent();
      return this;
    }

    @Override
    public SpanBuilder addLink(SpanContext spanContext) {
      delegate.addLink(spanContext);
      return this;
    }

    @Override
    public SpanBuilder addLink(SpanContext spanContext, Attributes attributes) {
      delegate.addLink(spanContext, attributes);
      return this;
    }

    @Override
    public SpanBuilder setAttribute(String key, String value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public SpanBuilder setAttribute(String key, long value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public SpanBuilder setAttribute(String key, double value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public SpanBuilder setAttribute(String key, boolean value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public <T> SpanBuilder setAttribute(AttributeKey<T> key, T value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public SpanBuilder setSpanKind(SpanKind spanKind) {
      delegate.setSpanKind(spanKind);
      return this;
    }

    @Override
    public SpanBuilder setStartTimestamp(long startTimestamp, TimeUnit unit) {
      delegate.setStartTimestamp(startTimestamp, unit);
      return this;
    }

    @Override
    public Span startSpan() {
      spans.incrementAndGet();
      return new CountingSpan(delegate.startSpan(), name);
    }
  }

  private final class CountingSpan implements Span {
    private final Span delegate;
    private final String name;
    private final AtomicBoolean ended = new AtomicBoolean();

    CountingSpan(Span delegate, String name) {
      this.delegate = delegate;
      this.name = name;
    }

    private void counted() {
      ends.incrementAndGet();
      if (!ended.compareAndSet(false, true)) {
        secondEnds.incrementAndGet();
        if (examples.size() < 5) {
          StackTraceElement[] stack = new Throwable().getStackTrace();
          examples.add(name + " ended again at " + (stack.length > 3 ? stack[3] : "?"));
        }
      }
    }

    @Override
    public void end() {
      counted();
      delegate.end();
    }

    @Override
    public void end(long timestamp, TimeUnit unit) {
      counted();
      delegate.end(timestamp, unit);
    }

    @Override
    public <T> Span setAttribute(AttributeKey<T> key, T value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public Span addEvent(String name, Attributes attributes) {
      delegate.addEvent(name, attributes);
      return this;
    }

    @Override
    public Span addEvent(String name, Attributes attributes, long timestamp, TimeUnit unit) {
      delegate.addEvent(name, attributes, timestamp, unit);
      return this;
    }

    @Override
    public Span setStatus(StatusCode statusCode, String description) {
      delegate.setStatus(statusCode, description);
      return this;
    }

    @Override
    public Span recordException(Throwable exception, Attributes additionalAttributes) {
      delegate.recordException(exception, additionalAttributes);
      return this;
    }

    @Override
    public Span addLink(SpanContext spanContext, Attributes attributes) {
      delegate.addLink(spanContext, attributes);
      return this;
    }

    @Override
    public Span updateName(String name) {
      delegate.updateName(name);
      return this;
    }

    @Override
    public SpanContext getSpanContext() {
      return delegate.getSpanContext();
    }

    @Override
    public boolean isRecording() {
      return delegate.isRecording();
    }
  }
}
