package dev.acitrace.testing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "Ended exactly once" checks that can fail. The SDK silently ignores a second {@code end()}, so counting
 * exported spans cannot see one: {@link #processor()} counts {@code onStart}/{@code onEnd} per span id, and
 * {@link #wrap(OpenTelemetry)} hands the code under test spans whose {@code end()} calls are counted before
 * they reach the SDK. The wrapper also sees unsampled spans, which never reach a processor, so "every span
 * handed out was ended" holds for them too.
 *
 * <p>One proxy handler decorates all six interfaces on the way from {@link OpenTelemetry} to {@link Span},
 * rather than a hand-written forwarding method for each of their methods: a method the delegate implements
 * is forwarded to it; an interface default the delegate does not override runs on the proxy, as it would on
 * a hand-written wrapper, so {@code makeCurrent()} and {@code storeInContext} put the counting span, not the
 * SDK's, into the context. What the delegate returns is decorated in turn; a fluent {@code return this}
 * returns the proxy.
 */
public final class EndCounting {
  private static final Set<Class<?>> DECORATED =
      Set.of(TracerProvider.class, TracerBuilder.class, Tracer.class, SpanBuilder.class);
  private static final ClassValue<Map<Method, Boolean>> OVERRIDES = new ClassValue<>() {
    @Override
    protected Map<Method, Boolean> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private final Map<String, AtomicInteger> started = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> ended = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> handedOut = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> endCalled = new ConcurrentHashMap<>();
  private final AtomicLong spansHandedOut = new AtomicLong();
  private final AtomicLong endCalls = new AtomicLong();
  private final AtomicLong extraEndCalls = new AtomicLong();
  private final List<String> examples = new CopyOnWriteArrayList<>();

  /** A processor to add to the SDK: counts starts and ends per span id. */
  public SpanProcessor processor() {
    return new SpanProcessor() {
      @Override
      public void onStart(Context parentContext, ReadWriteSpan span) {
        count(started, span.getSpanContext().getSpanId());
      }

      @Override
      public boolean isStartRequired() {
        return true;
      }

      @Override
      public void onEnd(ReadableSpan span) {
        count(ended, span.getSpanContext().getSpanId());
      }

      @Override
      public boolean isEndRequired() {
        return true;
      }
    };
  }

  /** {@code delegate} with every span it starts counting its {@code end()} calls. */
  public OpenTelemetry wrap(OpenTelemetry delegate) {
    return decorate(OpenTelemetry.class, delegate, null);
  }

  /** Span ids started on the SDK (recording spans: the SDK calls processors only for those). */
  public int startedCount() {
    return started.size();
  }

  /** Span ids the wrapper handed to the code under test, sampled or not. */
  public int handedOutCount() {
    return handedOut.size();
  }

  /** Spans the wrapper handed out (one per {@code startSpan()}, whatever their ids). */
  public long spansHandedOut() {
    return spansHandedOut.get();
  }

  /** {@code end()} calls on the spans handed out, the second ones included. */
  public long endCalls() {
    return endCalls.get();
  }

  /** {@code end()} calls on a span that had already been ended (by the code under test). */
  public long extraEndCalls() {
    return extraEndCalls.get();
  }

  /** For the first few extra {@code end()} calls: the span's name and the code that called it. */
  public List<String> examples() {
    return List.copyOf(examples);
  }

  /**
   * Span ids started but not (yet) ended: recording spans without {@code onEnd}, and spans handed out
   * through {@link #wrap} (sampled or not) on which {@code end()} was never called.
   */
  public Set<String> unended() {
    Set<String> open = new TreeSet<>(started.keySet());
    open.removeAll(ended.keySet());
    Set<String> notEndCalled = new TreeSet<>(handedOut.keySet());
    notEndCalled.removeAll(endCalled.keySet());
    open.addAll(notEndCalled);
    return open;
  }

  /** Span ids whose onEnd ran more than once. */
  public Set<String> endedTwice() {
    Set<String> twice = new TreeSet<>();
    ended.forEach((id, n) -> {
      if (n.get() > 1) {
        twice.add(id);
      }
    });
    return twice;
  }

  /** Waits (bounded poll) until every started span has ended; returns whether they all did. */
  public boolean awaitAllEnded(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!unended().isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(2);
    }
    return true;
  }

  private static void count(Map<String, AtomicInteger> counts, String spanId) {
    counts.computeIfAbsent(spanId, k -> new AtomicInteger()).incrementAndGet();
  }

  /** {@code delegate} behind a proxy of {@code type}; {@code spanName} is set on span builders and spans. */
  private <T> T decorate(Class<T> type, T delegate, String spanName) {
    AtomicBoolean endedOnce = new AtomicBoolean();
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return switch (method.getName()) {
          case "equals" -> proxy == args[0];
          case "hashCode" -> System.identityHashCode(proxy);
          default -> "EndCounting(" + delegate + ")";
        };
      }
      if (method.isDefault() && !overridden(delegate, method)) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      if (type == Span.class && method.getName().equals("end")) {
        counted(spanName, ((Span) delegate).getSpanContext().getSpanId(), endedOnce);
      }
      Object result;
      try {
        result = method.invoke(delegate, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (result == delegate) {
        return proxy;
      }
      if (type == SpanBuilder.class && method.getName().equals("startSpan")) {
        Span span = (Span) result;
        spansHandedOut.incrementAndGet();
        count(handedOut, span.getSpanContext().getSpanId());
        return decorate(Span.class, span, spanName);
      }
      if (result != null && DECORATED.contains(method.getReturnType())) {
        @SuppressWarnings("unchecked")
        Class<Object> returned = (Class<Object>) method.getReturnType();
        return decorate(returned, result, method.getName().equals("spanBuilder") ? (String) args[0] : null);
      }
      return result;
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  /** Whether the delegate's class overrides an interface default (looked up once per class and method). */
  private static boolean overridden(Object delegate, Method method) {
    return OVERRIDES.get(delegate.getClass()).computeIfAbsent(method, m -> {
      try {
        return !delegate.getClass().getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass().isInterface();
      } catch (NoSuchMethodException e) {
        return false;
      }
    });
  }

  private void counted(String spanName, String spanId, AtomicBoolean endedOnce) {
    endCalls.incrementAndGet();
    count(endCalled, spanId);
    if (!endedOnce.compareAndSet(false, true)) {
      extraEndCalls.incrementAndGet();
      if (examples.size() < 5) {
        examples.add(spanName + " ended again at " + caller());
      }
    }
  }

  /** The first frame past this class, the proxy and {@link Span}'s defaults: the code that called it. */
  private static String caller() {
    for (StackTraceElement frame : new Throwable().getStackTrace()) {
      String type = frame.getClassName();
      if (!type.equals(EndCounting.class.getName()) && !type.contains("$Proxy") && !type.equals(Span.class.getName())
          && !type.startsWith("java.lang.reflect.") && !type.startsWith("jdk.internal.")) {
        return type + "." + frame.getMethodName() + ":" + frame.getLineNumber();
      }
    }
    return "?";
  }
}
