package dev.acitrace.bundle;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Traced gRPC calls for the end-to-end tests: an in-process echo service with a minimal hand-rolled
 * client and server tracing interceptor (CLIENT span, W3C propagation in metadata, SERVER span, one
 * INTERNAL child in the handler). The two interceptors are the only thing to swap for acitrace's
 * {@code GrpcClientTracing}/{@code GrpcServerTracing} once those modules are merged: see
 * {@link #clientInterceptor} and {@link #serverInterceptor}.
 */
final class TracedEcho implements AutoCloseable {

  static final String SERVICE = "test.Echo";
  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Say"))
      .setRequestMarshaller(Utf8.INSTANCE)
      .setResponseMarshaller(Utf8.INSTANCE)
      .build();

  private final Server server;
  private final ManagedChannel channel;
  private final Channel traced;

  TracedEcho(OpenTelemetry openTelemetry) throws IOException {
    String name = InProcessServerBuilder.generateName();
    Tracer tracer = openTelemetry.getTracer("acitrace-test");
    ServerServiceDefinition echo = ServerServiceDefinition.builder(SERVICE)
        .addMethod(SAY, ServerCalls.asyncUnaryCall((request, responses) -> {
          Span work = tracer.spanBuilder("echo.work").setAttribute("echo.length", request.length()).startSpan();
          work.end();
          responses.onNext("echo " + request);
          responses.onCompleted();
        }))
        .build();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(echo, serverInterceptor(openTelemetry)))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    traced = ClientInterceptors.intercept(channel, clientInterceptor(openTelemetry));
  }

  String say(String message) {
    return ClientCalls.blockingUnaryCall(traced, SAY, CallOptions.DEFAULT, message);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
    @Override
    public String get(Metadata carrier, String key) {
      return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  /** Swap for {@code GrpcClientTracing...newClientInterceptor()} once merged. */
  static ClientInterceptor clientInterceptor(OpenTelemetry openTelemetry) {
    Tracer tracer = openTelemetry.getTracer("acitrace-test-client");
    TextMapPropagator propagator = openTelemetry.getPropagators().getTextMapPropagator();
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
          Channel next) {
        Span span = tracer.spanBuilder(method.getFullMethodName()).setSpanKind(SpanKind.CLIENT)
            .setAttribute("rpc.system", "grpc")
            .setAttribute("rpc.service", method.getServiceName())
            .setAttribute("rpc.method", method.getBareMethodName())
            .startSpan();
        Context context = Context.current().with(span);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            propagator.inject(context, headers,
                (carrier, key, value) -> carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value));
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                span.setAttribute("rpc.grpc.status_code", status.getCode().value());
                span.end();
                super.onClose(status, trailers);
              }
            }, headers);
          }
        };
      }
    };
  }

  /** Swap for {@code GrpcServerTracing...newServerInterceptor()} once merged. */
  static ServerInterceptor serverInterceptor(OpenTelemetry openTelemetry) {
    Tracer tracer = openTelemetry.getTracer("acitrace-test-server");
    TextMapPropagator propagator = openTelemetry.getPropagators().getTextMapPropagator();
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        Context parent = propagator.extract(Context.root(), headers, GETTER);
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        Span span = tracer.spanBuilder(method.getFullMethodName()).setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("rpc.system", "grpc")
            .setAttribute("rpc.service", method.getServiceName())
            .setAttribute("rpc.method", method.getBareMethodName())
            .startSpan();
        Context context = parent.with(span);
        ServerCall.Listener<Q> delegate;
        try (Scope ignored = context.makeCurrent()) {
          delegate = next.startCall(call, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
          @Override
          public void onHalfClose() {
            try (Scope ignored = context.makeCurrent()) {
              super.onHalfClose();
            }
          }

          @Override
          public void onComplete() {
            span.setAttribute("rpc.grpc.status_code", 0L);
            span.end();
            super.onComplete();
          }

          @Override
          public void onCancel() {
            span.end();
            super.onCancel();
          }
        };
      }
    };
  }

  private enum Utf8 implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
