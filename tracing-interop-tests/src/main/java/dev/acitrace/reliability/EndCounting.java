package dev.acitrace.reliability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.api.trace.TracerProvider;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link OpenTelemetry} decorator whose spans count their {@code end()} calls: the SDK ignores a second
 * {@code end()} silently, so a span processor alone cannot see one.
 *
 * <p>One proxy handler decorates all six interfaces on the way from {@link OpenTelemetry} to {@link Span},
 * rather than a hand-written forwarding method for each of their methods: a method the delegate implements
 * is forwarded to it; an interface default the delegate does not override runs on the proxy, as it would on
 * a hand-written wrapper, so {@code makeCurrent()} and {@code storeInContext} put the counting span, not the
 * SDK's, into the context. What the delegate returns is decorated in turn; a fluent {@code return this}
 * returns the proxy.
 */
final class EndCounting {
  private static final Set<Class<?>> DECORATED =
      Set.of(TracerProvider.class, TracerBuilder.class, Tracer.class, SpanBuilder.class);

  final AtomicLong spans = new AtomicLong();
  final AtomicLong ends = new AtomicLong();
  final AtomicLong secondEnds = new AtomicLong();
  final List<String> examples = new CopyOnWriteArrayList<>();

  OpenTelemetry wrap(OpenTelemetry delegate) {
    return decorate(OpenTelemetry.class, delegate, null);
  }

  /** {@code delegate} behind a proxy of {@code type}; {@code spanName} is set on span builders and spans. */
  private <T> T decorate(Class<T> type, T delegate, String spanName) {
    AtomicBoolean ended = new AtomicBoolean();
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
        counted(spanName, ended);
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
        spans.incrementAndGet();
        return decorate(Span.class, (Span) result, spanName);
      }
      if (result != null && DECORATED.contains(method.getReturnType())) {
        String name = method.getName().equals("spanBuilder") ? (String) args[0] : null;
        @SuppressWarnings("unchecked")
        Class<Object> returned = (Class<Object>) method.getReturnType();
        return decorate(returned, result, name);
      }
      return result;
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static boolean overridden(Object delegate, Method method) {
    try {
      return !delegate.getClass().getMethod(method.getName(), method.getParameterTypes())
          .getDeclaringClass().isInterface();
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private void counted(String spanName, AtomicBoolean ended) {
    ends.incrementAndGet();
    if (!ended.compareAndSet(false, true)) {
      secondEnds.incrementAndGet();
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
        return frame.toString();
      }
    }
    return "?";
  }
}
