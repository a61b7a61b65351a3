package dev.acitrace.bench;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * One unary call through a variant's instrumented in-process server and channel, made inside a context carrying
 * {@link BaggageSamples#forCall()}, with what the handler saw: the {@code traceparent} header that arrived, and
 * the span context and baggage current in the handler (an interceptor inside the variant's).
 */
record OneCall(byte[] response, String traceparent, SpanContext handlerSpan, Baggage handlerBaggage) {

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  static OneCall through(GrpcTracingVariant variant, OpenTelemetry openTelemetry) {
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
    byte[] response;
    try (InProcessHarness harness = new InProcessHarness(variant, openTelemetry, capture)) {
      response = harness.unary();
    }
    return new OneCall(response, traceparent[0], handlerSpan[0], handlerBaggage[0]);
  }
}
