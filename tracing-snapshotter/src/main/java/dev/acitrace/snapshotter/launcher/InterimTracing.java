package dev.acitrace.snapshotter.launcher;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stand-in for the tracing bundle until it is merged; see {@link ServerWiring}. Minimal on purpose:
 * the SDK from autoconfigure (OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set, else a span
 * printer), W3C trace context and baggage across the call, one CLIENT and one SERVER span per call with
 * the gRPC status code. Delete this class when {@code ServerWiring} uses the bundle.
 */
final class InterimTracing {

  private static final String SCOPE = "dev.acitrace.snapshotter.launcher";
  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");

  private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata carrier) {
      return carrier.keys();
    }

    @Override
    public String get(Metadata carrier, String key) {
      return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private static final TextMapSetter<Metadata> SETTER =
      (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);

  private InterimTracing() {}

  static ServerWiring.TracingHandle init(String serviceName, boolean demo, PrintStream out) {
    String endpoint = otlpEndpoint();
    // autoconfigure honours the usual OTEL_* variables and otel.* system properties; these are only
    // defaults: print spans ourselves unless an OTLP endpoint is configured
    Map<String, String> defaults = Map.of(
        "otel.service.name", serviceName,
        "otel.traces.exporter", endpoint == null ? "none" : "otlp",
        "otel.metrics.exporter", "none",
        "otel.logs.exporter", "none");
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .addTracerProviderCustomizer((builder, config) -> endpoint == null
            ? builder.addSpanProcessor(SimpleSpanProcessor.create(new SpanPrinter(out, demo)))
            : builder)
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    return new ServerWiring.TracingHandle() {
      @Override
      public OpenTelemetry openTelemetry() {
        return sdk;
      }

      @Override
      public String destination() {
        return endpoint == null ? null : "OTLP endpoint " + endpoint;
      }

      @Override
      public void close() {
        sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
      }
    };
  }

  /** The configured OTLP endpoint (system property first, as autoconfigure reads it), or null. */
  private static String otlpEndpoint() {
    for (String key : new String[] {"otel.exporter.otlp.traces.endpoint", "otel.exporter.otlp.endpoint"}) {
      String value = System.getProperty(key);
      if (value == null || value.isBlank()) {
        value = System.getenv(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_'));
      }
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  static ServerInterceptor serverInterceptor(OpenTelemetry openTelemetry) {
    Tracer tracer = openTelemetry.getTracer(SCOPE);
    TextMapPropagator propagator = openTelemetry.getPropagators().getTextMapPropagator();
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context parent = propagator.extract(Context.root(), headers, GETTER);
        Span span = tracer.spanBuilder(call.getMethodDescriptor().getFullMethodName())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(RPC_SYSTEM, "grpc")
            .startSpan();
        Context context = parent.with(span);
        AtomicBoolean ended = new AtomicBoolean();
        ServerCall<Q, R> traced = new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (ended.compareAndSet(false, true)) {
              span.setAttribute(RPC_STATUS, status.getCode().value());
              span.end();
            }
            super.close(status, trailers);
          }
        };
        ServerCall.Listener<Q> delegate;
        try (Scope ignored = context.makeCurrent()) {
          delegate = next.startCall(traced, headers);
        }
        return new SimpleForwardingServerCallListener<>(delegate) {
          @Override
          public void onMessage(Q message) {
            try (Scope ignored = context.makeCurrent()) {
              super.onMessage(message);
            }
          }

          @Override
          public void onHalfClose() {
            try (Scope ignored = context.makeCurrent()) {
              super.onHalfClose();
            }
          }

          @Override
          public void onCancel() {
            if (ended.compareAndSet(false, true)) {
              span.setAttribute(RPC_STATUS, Status.Code.CANCELLED.value());
              span.end();
            }
            try (Scope ignored = context.makeCurrent()) {
              super.onCancel();
            }
          }

          @Override
          public void onComplete() {
            try (Scope ignored = context.makeCurrent()) {
              super.onComplete();
            }
          }

          @Override
          public void onReady() {
            try (Scope ignored = context.makeCurrent()) {
              super.onReady();
            }
          }
        };
      }
    };
  }

  static ClientInterceptor clientInterceptor(OpenTelemetry openTelemetry) {
    Tracer tracer = openTelemetry.getTracer(SCOPE);
    TextMapPropagator propagator = openTelemetry.getPropagators().getTextMapPropagator();
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
        Span span = tracer.spanBuilder(method.getFullMethodName())
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(RPC_SYSTEM, "grpc")
            .startSpan();
        Context context = Context.current().with(span);
        return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<R> responseListener, Metadata headers) {
            propagator.inject(context, headers, SETTER);
            super.start(new SimpleForwardingClientCallListener<>(responseListener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                span.setAttribute(RPC_STATUS, status.getCode().value());
                if (!status.isOk()) {
                  span.setStatus(StatusCode.ERROR, status.getCode().name());
                }
                span.end();
                super.onClose(status, trailers);
              }
            }, headers);
          }
        };
      }
    };
  }
}
