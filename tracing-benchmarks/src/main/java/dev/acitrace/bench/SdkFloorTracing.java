package dev.acitrace.bench;

import dev.acitrace.baggage.AciBaggagePropagator;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The least an interceptor pair built on the OpenTelemetry SDK can do per call, whoever writes it: the client
 * starts a CLIENT span (named by the method's full name, which gRPC computes once per method) and injects the
 * context through the SDK's propagators; the server extracts, starts a SERVER span, makes its context current
 * around the handler's callbacks and ends it when the call completes; the client ends its span when the call
 * closes. No attributes, no status, no request ids, no baggage attributes, no metrics, no scope on the client:
 * not a usable instrumentation, but a floor under every SDK-based one, so the cost targets can be read against
 * what the SDK itself costs (docs/benchmarks.md, "The SDK floor").
 *
 * <p>{@link #withConventionAttributes()} adds what the old RPC conventions require of every gRPC span and
 * nothing else: {@code rpc.system}, {@code rpc.service}, {@code rpc.method} (one {@link Attributes} per method,
 * built once), {@code server.address} on the client, {@code rpc.grpc.status_code} at the end: the least a
 * conventions-following instrumentation pays, as SDK spans store attributes.
 */
final class SdkFloorTracing implements GrpcTracingVariant {

  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");

  private final TextMapPropagator propagator;
  private final boolean attributes;

  private SdkFloorTracing(TextMapPropagator propagator, boolean attributes) {
    this.propagator = propagator;
    this.attributes = attributes;
  }

  /** With acitrace's setup: W3C trace context and acitrace's baggage propagator. */
  static SdkFloorTracing withAcitracePropagators() {
    return new SdkFloorTracing(acitracePropagators(), false);
  }

  /** With acitrace's propagators and the attributes the RPC conventions require of each span. */
  static SdkFloorTracing withConventionAttributes() {
    return new SdkFloorTracing(acitracePropagators(), true);
  }

  private static TextMapPropagator acitracePropagators() {
    return TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create());
  }

  /** With OpenTelemetry's own W3C propagators ({@code tracecontext,baggage}). */
  static SdkFloorTracing withStandardPropagators() {
    return new SdkFloorTracing(W3C_PROPAGATORS, false);
  }

  /** With OpenTelemetry's own W3C propagators and the attributes the RPC conventions require of each span. */
  static SdkFloorTracing withStandardPropagatorsAndConventionAttributes() {
    return new SdkFloorTracing(W3C_PROPAGATORS, true);
  }

  @Override
  public TextMapPropagator propagator() {
    return propagator;
  }

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    server.intercept(new ServerSide(openTelemetry.getTracer("sdk-floor"), propagator, attributes));
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    channel.intercept(new ClientSide(openTelemetry.getTracer("sdk-floor"), propagator, attributes));
  }

  /** Per-method span attributes, built once per method; {@code null} when the floor sets no attributes. */
  private static final class MethodAttributes {
    private final ConcurrentHashMap<String, Attributes> byMethod = new ConcurrentHashMap<>();
    private final Function<String, Attributes> build;

    MethodAttributes(String serverAddress) {
      build =
          fullName -> {
            int slash = fullName.lastIndexOf('/');
            var builder =
                Attributes.builder()
                    .put(RPC_SYSTEM, "grpc")
                    .put(RPC_SERVICE, fullName.substring(0, slash))
                    .put(RPC_METHOD, fullName.substring(slash + 1));
            if (serverAddress != null) {
              builder.put(SERVER_ADDRESS, serverAddress);
            }
            return builder.build();
          };
    }

    Attributes of(MethodDescriptor<?, ?> method) {
      Attributes known = byMethod.get(method.getFullMethodName());
      return known != null ? known : byMethod.computeIfAbsent(method.getFullMethodName(), build);
    }
  }

  private static final class ClientSide implements ClientInterceptor {
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final MetadataCarrier carrier;
    private final boolean attributes;
    private final ConcurrentHashMap<String, MethodAttributes> byAuthority = new ConcurrentHashMap<>();

    ClientSide(Tracer tracer, TextMapPropagator propagator, boolean attributes) {
      this.tracer = tracer;
      this.propagator = propagator;
      this.carrier = new MetadataCarrier(propagator);
      this.attributes = attributes;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
        @Override
        public void start(Listener<R> responseListener, Metadata headers) {
          Context parent = Context.current();
          var builder =
              tracer.spanBuilder(method.getFullMethodName()).setParent(parent).setSpanKind(SpanKind.CLIENT);
          if (attributes) {
            builder.setAllAttributes(
                byAuthority.computeIfAbsent(next.authority(), MethodAttributes::new).of(method));
          }
          Span span = builder.startSpan();
          propagator.inject(parent.with(span), headers, carrier.setter);
          super.start(
              new SimpleForwardingClientCallListener<>(responseListener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                  if (attributes) {
                    span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status.getCode().value());
                  }
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
    private final MethodAttributes methods; // null: no attributes

    ServerSide(Tracer tracer, TextMapPropagator propagator, boolean attributes) {
      this.tracer = tracer;
      this.propagator = propagator;
      this.carrier = new MetadataCarrier(propagator);
      this.methods = attributes ? new MethodAttributes(null) : null;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Context parent = propagator.extract(Context.root(), headers, carrier.getter);
      MethodDescriptor<Q, R> method = call.getMethodDescriptor();
      var builder = tracer.spanBuilder(method.getFullMethodName()).setParent(parent).setSpanKind(SpanKind.SERVER);
      if (methods != null) {
        builder.setAllAttributes(methods.of(method));
      }
      Span span = builder.startSpan();
      Context context = parent.with(span);
      ServerCall<Q, R> traced = call;
      if (methods != null) {
        traced =
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                span.setAttribute(RPC_GRPC_STATUS_CODE, (long) status.getCode().value());
                super.close(status, trailers);
              }
            };
      }
      return CurrentContextListener.start(next, traced, headers, context, span);
    }
  }
}
