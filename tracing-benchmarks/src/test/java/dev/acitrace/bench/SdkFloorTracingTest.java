package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SDK floor does the least a real instrumentation must: two spans per call, ended, the server's span a
 * child in the client's trace and current in the handler, the baggage carried.
 */
class SdkFloorTracingTest {

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void handler_runsInTheServerSpan_ofTheCallersTrace_withTheBaggage(boolean standardPropagators) throws Exception {
    AtomicReference<String> traceparent = new AtomicReference<>();
    AtomicReference<SpanContext> handlerSpan = new AtomicReference<>();
    AtomicReference<Baggage> handlerBaggage = new AtomicReference<>();
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            traceparent.set(headers.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER)));
            handlerSpan.set(Span.current().getSpanContext());
            handlerBaggage.set(Baggage.current());
            return next.startCall(call, headers);
          }
        };
    SdkFloorTracing variant =
        standardPropagators ? SdkFloorTracing.withStandardPropagators() : SdkFloorTracing.withAcitracePropagators();
    String name = InProcessServerBuilder.generateName();
    try (TracingSdk sdk = new TracingSdk(true, variant.propagator())) {
      InProcessServerBuilder serverBuilder =
          InProcessServerBuilder.forName(name).directExecutor().addService(BenchRpc.service());
      serverBuilder.intercept(capture); // inner: runs inside the server span's context
      variant.instrumentServer(serverBuilder, sdk.openTelemetry());
      Server server = serverBuilder.build().start();
      InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name).directExecutor();
      variant.instrumentChannel(channelBuilder, sdk.openTelemetry());
      ManagedChannel channel = channelBuilder.build();
      try (Scope ignored = Context.root().with(BaggageSamples.forCall()).makeCurrent()) {
        byte[] response =
            ClientCalls.blockingUnaryCall(channel, BenchRpc.UNARY, CallOptions.DEFAULT, BenchRpc.REQUEST);
        assertThat(response).isEqualTo(BenchRpc.RESPONSE);
      } finally {
        channel.shutdownNow();
        server.shutdownNow();
      }
      assertThat(traceparent.get()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f][13579bdf]"); // sampled flag set
      String[] parts = traceparent.get().split("-");
      assertThat(handlerSpan.get().getTraceId()).isEqualTo(parts[1]);
      assertThat(handlerSpan.get().getSpanId()).isNotEqualTo(parts[2]); // the server's own span, not the remote one
      assertThat(handlerSpan.get().isRemote()).isFalse();
      assertThat(handlerBaggage.get().getEntryValue("user.id")).isEqualTo("alice");
      assertThat(handlerBaggage.get().size()).isEqualTo(3);
      assertThat(sdk.exportedSpans()).isEqualTo(2);
    }
  }

  @Test
  void conventionAttributes_onBothSpans_statusAtTheEnd() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    SdkFloorTracing variant = SdkFloorTracing.withConventionAttributes();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .setPropagators(ContextPropagators.create(variant.propagator()))
            .build();
    String name = InProcessServerBuilder.generateName();
    List<SpanData> spans;
    try {
      InProcessServerBuilder serverBuilder =
          InProcessServerBuilder.forName(name).directExecutor().addService(BenchRpc.service());
      variant.instrumentServer(serverBuilder, sdk);
      Server server = serverBuilder.build().start();
      InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name).directExecutor();
      variant.instrumentChannel(channelBuilder, sdk);
      ManagedChannel channel = channelBuilder.build();
      try {
        ClientCalls.blockingUnaryCall(channel, BenchRpc.UNARY, CallOptions.DEFAULT, BenchRpc.REQUEST);
      } finally {
        channel.shutdownNow();
        server.shutdownNow();
      }
      spans = exporter.getFinishedSpanItems(); // before closing: the exporter's shutdown forgets them
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      sdk.close();
    }
    String service = BenchRpc.UNARY.getServiceName();
    String method = BenchRpc.UNARY.getBareMethodName();
    assertThat(spans)
        .hasSize(2)
        .allSatisfy(
            span -> {
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("grpc");
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo(service);
              assertThat(span.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo(method);
              assertThat(span.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isZero();
            })
        .anySatisfy(span -> assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT))
        .anySatisfy(span -> assertThat(span.getKind()).isEqualTo(SpanKind.SERVER));
  }

  @Test
  void sampled_everyCall_endsBothSpans_unsampled_exportsNone() {
    try (InProcessHarness harness = new InProcessHarness(SdkFloorTracing.withAcitracePropagators(), true)) {
      for (int i = 0; i < 3; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.exportedSpans()).isEqualTo(6);
    }
    try (InProcessHarness harness = new InProcessHarness(SdkFloorTracing.withAcitracePropagators(), false)) {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(harness.exportedSpans()).isZero();
    }
  }
}
