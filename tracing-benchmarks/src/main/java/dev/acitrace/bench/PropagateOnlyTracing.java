package dev.acitrace.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * The least any tracing library must do per call, and nothing more: the client injects the current
 * context (a span context and the call's baggage) with OpenTelemetry's W3C {@code traceparent} and
 * {@code baggage} propagators, the server extracts them and makes the result current around the handler's
 * callbacks. No spans, no ids generated, no attributes, no interceptor of acitrace's: a floor for what an
 * unsampled traced call can cost. Metadata keys are built once, as any careful library would.
 */
final class PropagateOnlyTracing implements GrpcTracingVariant {

  /** The span context the client propagates: constant, so no id generation is counted. */
  private static final Span PARENT =
      Span.wrap(
          SpanContext.create(
              "4bf92f3577b34da6a3ce929d0e0e4736",
              "00f067aa0ba902b7",
              TraceFlags.getDefault(),
              TraceState.getDefault()));

  private static final TextMapPropagator PROPAGATORS = W3C_PROPAGATORS;
  private static final MetadataCarrier CARRIER = new MetadataCarrier(PROPAGATORS);

  @Override
  public boolean traced() {
    return false; // no SDK: nothing here starts a span
  }

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    server.intercept(new Extracting());
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    channel.intercept(new Injecting());
  }

  private static final class Injecting implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
        @Override
        public void start(Listener<R> responseListener, Metadata headers) {
          PROPAGATORS.inject(Context.current().with(PARENT), headers, CARRIER.setter);
          super.start(responseListener, headers);
        }
      };
    }
  }

  private static final class Extracting implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Context context = PROPAGATORS.extract(Context.root(), headers, CARRIER.getter);
      return CurrentContextListener.start(next, call, headers, context, null);
    }
  }
}
