package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.CallOptions;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The propagate-only floor really writes and reads both headers, and the handler sees what was sent. */
class PropagateOnlyTracingTest {

  @Test
  void call_carriesTraceparentAndBaggage_handlerSeesBoth() throws Exception {
    AtomicReference<String> traceparent = new AtomicReference<>();
    AtomicReference<Baggage> handlerBaggage = new AtomicReference<>();
    AtomicReference<String> handlerTraceId = new AtomicReference<>();
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            traceparent.set(
                headers.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)));
            handlerBaggage.set(Baggage.current());
            handlerTraceId.set(Span.current().getSpanContext().getTraceId());
            return next.startCall(call, headers);
          }
        };
    String name = InProcessServerBuilder.generateName();
    PropagateOnlyTracing variant = new PropagateOnlyTracing();
    InProcessServerBuilder serverBuilder =
        InProcessServerBuilder.forName(name).directExecutor().addService(BenchRpc.service());
    serverBuilder.intercept(capture); // inner: runs inside the extracted context
    variant.instrumentServer(serverBuilder, OpenTelemetry.noop());
    Server server = serverBuilder.build().start();
    InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name).directExecutor();
    variant.instrumentChannel(channelBuilder, OpenTelemetry.noop());
    ManagedChannel channel = channelBuilder.build();
    try (Scope ignored = Context.root().with(BaggageSamples.forCall()).makeCurrent()) {
      byte[] response =
          ClientCalls.blockingUnaryCall(channel, BenchRpc.UNARY, CallOptions.DEFAULT, BenchRpc.REQUEST);
      assertThat(response).isEqualTo(BenchRpc.RESPONSE);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
    assertThat(traceparent.get()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
    assertThat(handlerTraceId.get()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(handlerBaggage.get().size()).isEqualTo(3);
    assertThat(handlerBaggage.get().getEntryValue("user.id")).isEqualTo("alice");
  }

  @Test
  void oursWithStandardPropagators_sampled_exportsClientAndServerSpan() {
    OursStandardPropagatorsBenchmark benchmark = new OursStandardPropagatorsBenchmark();
    try (InProcessHarness harness = new InProcessHarness(benchmark.variant(), true)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isEqualTo(2);
    }
  }
}
