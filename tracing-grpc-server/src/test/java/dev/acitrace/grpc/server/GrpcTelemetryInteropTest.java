package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.testing.TestCalls;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * acitrace's interceptors against OpenTelemetry's own gRPC instrumentation ({@code opentelemetry-grpc-1.6}),
 * in either direction, on one SDK with W3C trace context and baggage. Runs only in the build's
 * grpc-context-override execution, where that library is on the path.
 */
@SuppressWarnings("try") // scopes are opened for their effect
class GrpcTelemetryInteropTest {

  private final TestTelemetry telemetry = new TestTelemetry();
  private final EchoService service = new EchoService("test.A");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    service.close();
    telemetry.close();
  }

  private String server(io.grpc.ServerInterceptor interceptor) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(service.definition())
        .intercept(interceptor).build().start());
    return name;
  }

  private ManagedChannel channel(String name, io.grpc.ClientInterceptor interceptor) {
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().intercept(interceptor).build();
    channels.add(channel);
    return channel;
  }

  private static SpanData span(List<SpanData> spans, SpanKind kind) {
    return spans.stream().filter(s -> s.getKind() == kind).findFirst().orElseThrow();
  }

  @Test
  void theirClient_ourServer_oneTraceAndBaggageReachTheHandler() throws Exception {
    GrpcServerTracing ours = GrpcServerTracing.builder(telemetry.sdk)
        .config(TracingConfig.of(Map.of())).enrichers(List.of()).build();
    ManagedChannel channel = channel(server(ours.newInterceptor()),
        GrpcTelemetry.create(telemetry.sdk).createClientInterceptor());
    try (Scope ignored = Baggage.builder().put("user.id", "erin").build().makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    }
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData server = span(spans, SpanKind.SERVER);
    assertThat(server).hasName("test.A/Unary").hasParent(span(spans, SpanKind.CLIENT));
    assertThat(service.seen.get(0).span().getSpanId()).isEqualTo(server.getSpanId());
    assertThat(service.seen.get(0).baggage()).containsEntry("user.id", "erin").containsKey("request.id");
  }

  @Test
  void ourClient_theirServer_oneTraceAndBaggageReachTheHandler() throws Exception {
    GrpcClientTracing ours = GrpcClientTracing.builder(telemetry.sdk)
        .config(TracingConfig.of(Map.of())).enrichers(List.of()).build();
    ManagedChannel channel = channel(server(GrpcTelemetry.create(telemetry.sdk).createServerInterceptor()),
        ours.newInterceptor());
    try (Scope ignored = Baggage.builder().put("user.id", "frank").build().makeCurrent()) {
      ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    }
    List<SpanData> spans = telemetry.awaitSpans(2);
    SpanData client = span(spans, SpanKind.CLIENT);
    SpanData server = span(spans, SpanKind.SERVER);
    assertThat(client).hasName("test.A/Unary");
    assertThat(server).hasParent(client);
    assertThat(service.seen.get(0).span().getSpanId()).isEqualTo(server.getSpanId());
    assertThat(service.seen.get(0).baggage()).containsEntry("user.id", "frank");
  }
}
