package dev.acitrace.bench;

import dev.acitrace.baggage.AciBaggagePropagator;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The least an interceptor pair built on the OpenTelemetry SDK can do per call, whoever writes it: the client
 * starts a CLIENT span (named by the method's full name, which gRPC computes once per method) and injects the
 * context through the SDK's propagators; the server extracts, starts a SERVER span, makes its context current
 * around the handler's callbacks and ends it when the call completes; the client ends its span when the call
 * closes. No attributes, no status, no request ids, no baggage attributes, no metrics, no scope on the client:
 * not a usable instrumentation, but a floor under every SDK-based one, so the cost targets can be read against
 * what the SDK itself costs (docs/benchmarks.md, "The SDK floor").
 */
final class SdkFloorTracing implements GrpcTracingVariant {

  private final TextMapPropagator propagator;

  private SdkFloorTracing(TextMapPropagator propagator) {
    this.propagator = propagator;
  }

  /** With acitrace's setup: W3C trace context and acitrace's baggage propagator. */
  static SdkFloorTracing withAcitracePropagators() {
    return new SdkFloorTracing(
        TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create()));
  }

  /** With OpenTelemetry's own W3C propagators ({@code tracecontext,baggage}). */
  static SdkFloorTracing withStandardPropagators() {
    return new SdkFloorTracing(W3C_PROPAGATORS);
  }

  @Override
  public TextMapPropagator propagator() {
    return propagator;
  }

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    server.intercept(new ServerSide(openTelemetry.getTracer("sdk-floor"), propagator));
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    channel.intercept(new ClientSide(openTelemetry.getTracer("sdk-floor"), propagator));
  }

  private static final class ClientSide implements ClientInterceptor {
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final MetadataCarrier carrier;

    ClientSide(Tracer tracer, TextMapPropagator propagator) {
      this.tracer = tracer;
      this.propagator = propagator;
      this.carrier = new MetadataCarrier(propagator);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
        @Override
        public void start(Listener<R> responseListener, Metadata headers) {
          Context parent = Context.current();
          Span span =
              tracer
                  .spanBuilder(method.getFullMethodName())
                  .setParent(parent)
                  .setSpanKind(SpanKind.CLIENT)
                  .startSpan();
          propagator.inject(parent.with(span), headers, carrier.setter);
          super.start(
              new SimpleForwardingClientCallListener<>(responseListener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  span.end();
                  super.onClose(status, trailers);
                }
              },
              headers);
        }
      };
    }
  }

  private static final class ServerSide implements ServerInterceptor {
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final MetadataCarrier carrier;

    ServerSide(Tracer tracer, TextMapPropagator propagator) {
      this.tracer = tracer;
      this.propagator = propagator;
      this.carrier = new MetadataCarrier(propagator);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Context parent = propagator.extract(Context.root(), headers, carrier.getter);
      Span span =
          tracer
              .spanBuilder(call.getMethodDescriptor().getFullMethodName())
              .setParent(parent)
              .setSpanKind(SpanKind.SERVER)
              .startSpan();
      Context context = parent.with(span);
      ServerCall.Listener<Q> delegate;
      try (Scope ignored = context.makeCurrent()) {
        delegate = next.startCall(call, headers);
      }
      return new CurrentContextListener<>(delegate, context, span);
    }
  }
}
