package dev.acitrace.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A handler that copies its incoming headers onto its outgoing call (what a proxy does) must still send one
 * trace context: the receiver here reads the FIRST value of each header, as Go's otelgrpc does.
 */
@SuppressWarnings("try")
class RelayHeadersTest {

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);

  private final TestTelemetry telemetry = new TestTelemetry();
  private final EchoService serviceA = new EchoService("test.A");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  /** What B received, every value of each header in order. */
  private final AtomicReference<Metadata> atB = new AtomicReference<>();
  /** The span and baggage A's handler ran with. */
  private final AtomicReference<String> spanAtA = new AtomicReference<>();

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    serviceA.close();
    telemetry.close();
  }

  private ManagedChannel tracedChannel(String name) {
    ManagedChannel channel = GrpcClientTracing.builder(telemetry.sdk)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .build()
        .applyTo(InProcessChannelBuilder.forName(name).directExecutor()).build();
    channels.add(channel);
    return channel;
  }

  private String start(ServerServiceDefinition service, boolean traced) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor().addService(service);
    if (traced) {
      GrpcServerTracing.builder(telemetry.sdk).config(TracingConfig.of(Map.of())).enrichers(List.of()).build()
          .applyTo(builder);
    }
    servers.add(builder.build().start());
    return name;
  }

  @Test
  void handlerCopiesIncomingHeaders_nextHopReadsOnlyTheHandlersContext() throws Exception {
    // B: a plain server that records the headers as they arrived
    ServerInterceptor recorder = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        atB.set(headers);
        return next.startCall(call, headers);
      }
    };
    EchoService serviceB = new EchoService("test.B");
    String b = start(ServerInterceptors.intercept(serviceB.definition(), recorder), false);
    Channel toB = tracedChannel(b);

    // A: traced; its handler relays with every incoming header copied onto the outgoing call
    AtomicReference<Metadata> incoming = new AtomicReference<>();
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        incoming.set(headers);
        return next.startCall(call, headers);
      }
    };
    ServerServiceDefinition a = ServerServiceDefinition.builder("test.A")
        .addMethod(serviceA.unary, ServerCalls.asyncUnaryCall((request, out) -> {
          spanAtA.set(Span.current().getSpanContext().getSpanId());
          Metadata copy = new Metadata();
          copy.merge(incoming.get());
          Channel relay = ClientInterceptors.intercept(toB, MetadataUtils.newAttachHeadersInterceptor(copy));
          out.onNext(ClientCalls.blockingUnaryCall(relay, serviceB.unary, CallOptions.DEFAULT, "ok"));
          out.onCompleted();
        }))
        .build();
    String aName = start(ServerInterceptors.intercept(a, capture), true);

    Span caller = telemetry.sdk.getTracer("test").spanBuilder("caller").startSpan();
    try (Scope ignored = Context.current().with(caller)
        .with(Baggage.builder().put("stale", "1").put("request.id", "r-caller").build()).makeCurrent()) {
      ClientCalls.blockingUnaryCall(tracedChannel(aName), serviceA.unary, CallOptions.DEFAULT, "relay");
    } finally {
      caller.end();
      serviceB.close();
    }

    Metadata received = atB.get();
    assertThat(incoming.get().getAll(TRACEPARENT)).as("A received one traceparent").hasSize(1);
    assertThat(received.getAll(TRACEPARENT)).as("B received one traceparent").hasSize(1);
    assertThat(received.getAll(BAGGAGE)).as("B received one baggage").hasSize(1);
    String first = received.getAll(TRACEPARENT).iterator().next();
    assertThat(first).as("the first traceparent is not the caller's (stale) one")
        .isNotEqualTo(incoming.get().get(TRACEPARENT));
    // its parent is A's client span, a child of A's server span: not the caller's span
    String parentSpanId = first.split("-")[2];
    assertThat(parentSpanId).isNotEqualTo(caller.getSpanContext().getSpanId());
    assertThat(telemetry.exporter.getFinishedSpanItems())
        .anySatisfy(span -> {
          assertThat(span.getSpanId()).isEqualTo(parentSpanId);
          assertThat(span.getParentSpanId()).isEqualTo(spanAtA.get());
        });
  }
}
