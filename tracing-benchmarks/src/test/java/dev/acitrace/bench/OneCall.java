package dev.acitrace.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One unary call through a variant's instrumented in-process server and channel, made inside a context carrying
 * {@link BaggageSamples#forCall()}, with what the handler saw: the {@code traceparent} header that arrived, and
 * the span context and baggage current in the handler (an interceptor inside the variant's).
 */
record OneCall(byte[] response, String traceparent, SpanContext handlerSpan, Baggage handlerBaggage) {

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  static OneCall through(GrpcTracingVariant variant, OpenTelemetry openTelemetry) throws IOException {
    String[] traceparent = new String[1];
    SpanContext[] handlerSpan = new SpanContext[1];
    Baggage[] handlerBaggage = new Baggage[1];
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            traceparent[0] = headers.get(TRACEPARENT);
            handlerSpan[0] = Span.current().getSpanContext();
            handlerBaggage[0] = Baggage.current();
            return next.startCall(call, headers);
          }
        };
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder serverBuilder =
        InProcessServerBuilder.forName(name).directExecutor().addService(BenchRpc.service());
    serverBuilder.intercept(capture); // inner: runs inside the variant's context
    variant.instrumentServer(serverBuilder, openTelemetry);
    Server server = serverBuilder.build().start();
    InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name).directExecutor();
    variant.instrumentChannel(channelBuilder, openTelemetry);
    ManagedChannel channel = channelBuilder.build();
    byte[] response;
    try (Scope ignored = Context.root().with(BaggageSamples.forCall()).makeCurrent()) {
      response = ClientCalls.blockingUnaryCall(channel, BenchRpc.UNARY, CallOptions.DEFAULT, BenchRpc.REQUEST);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      try {
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new OneCall(response, traceparent[0], handlerSpan[0], handlerBaggage[0]);
  }
}
