package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A failure while ending a span, or a misbehaving handler, never costs the call its callbacks or its span. */
class ServerCallSafetyTest {

  private static final MethodDescriptor<String, String> UNARY = EchoService.unaryOf("test.Safety");

  private final TestTelemetry telemetry = new TestTelemetry();
  private final CountDownLatch completed = new CountDownLatch(1);
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    stopServer();
    try {
      telemetry.assertEachSpanEndedExactlyOnce(); // every test: each span ended once, no second end()
    } finally {
      telemetry.close();
    }
  }

  private void stopServer() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      channel = null;
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server = null;
    }
  }

  /** What the handler does once the client half-closes. */
  private interface Behaviour {
    void onHalfClose(ServerCall<String, String> call);
  }

  private void start(Behaviour behaviour, List<AttributeEnricher> enrichers) throws Exception {
    start(behaviour, b -> b.enrichers(enrichers));
  }

  private void start(Behaviour behaviour, UnaryOperator<GrpcServerTracing.Builder> configure) throws Exception {
    ServerCallHandler<String, String> handler = (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          behaviour.onHalfClose(call);
        }

        @Override
        public void onComplete() {
          completed.countDown();
        }
      };
    };
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerServiceDefinition.builder("test.Safety").addMethod(UNARY, handler).build());
    server = configure.apply(GrpcServerTracing.builder(telemetry.otel)
            .config(TracingConfig.of(Map.of()))
            .enrichers(List.of()))
        .build()
        .applyTo(builder).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  private String call() {
    return ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "hi");
  }

  private static void answer(ServerCall<String, String> call, Status status) {
    call.sendHeaders(new Metadata());
    if (status.isOk()) {
      call.sendMessage("ok");
    }
    call.close(status, new Metadata());
  }

  /** An exception whose description cannot be computed. */
  static final class Unprintable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @Override
    public String getMessage() {
      throw new IllegalStateException("no message for you");
    }

    @Override
    public String toString() {
      throw new IllegalStateException("no string for you");
    }
  }

  @Test
  void handlerThrowsUnprintableException_spanStillEndedAsError() throws Exception {
    start(call -> {
      throw new Unprintable();
    }, List.of());
    assertThatThrownBy(this::call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    SpanData span = telemetry.awaitSpans(1).get(0);
    assertThat(span).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 2L);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getStatus().getDescription()).isEqualTo(Unprintable.class.getName());
  }

  @Test
  void enricherThrowsAssertionError_callCompletesHandlerHearsOnCompleteSpanEnded() throws Exception {
    AttributeEnricher failing = new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {
        throw new AssertionError("onStart");
      }

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        throw new AssertionError("onEnd");
      }
    };
    start(call -> answer(call, Status.OK), List.of(failing));
    assertThat(call()).isEqualTo("ok");
    assertThat(completed.await(5, TimeUnit.SECONDS)).as("handler's onComplete ran").isTrue();
    assertThat(telemetry.awaitSpans(1).get(0)).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 0L);
  }

  @Test
  void handlerClosesTwice_spanKeepsTheFirstStatusTheClientGot() throws Exception {
    start(call -> {
      call.close(Status.NOT_FOUND.withDescription("first"), new Metadata());
      assertThatThrownBy(() -> call.close(Status.OK, new Metadata())).isInstanceOf(IllegalStateException.class);
    }, List.of());
    assertThatThrownBy(this::call).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    SpanData span = telemetry.awaitSpans(1).get(0);
    assertThat(span).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, (long) Status.Code.NOT_FOUND.value());
  }

  private static final Metadata.Key<String> ECHO = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void echoHeader_replacesAValueTheHandlerSet_inHeadersAndTrailers() throws Exception {
    UnaryOperator<GrpcServerTracing.Builder> echoing =
        b -> b.requestIds(RequestIdServerInterceptor.builder().echoHeader("x-request-id").build());
    for (boolean headersFirst : new boolean[] {true, false}) {
      start(call -> {
        Metadata trailers = new Metadata();
        trailers.put(ECHO, "handler's");
        if (headersFirst) {
          Metadata headers = new Metadata();
          headers.put(ECHO, "handler's");
          call.sendHeaders(headers);
          call.sendMessage("ok");
          call.close(Status.OK, new Metadata());
        } else {
          call.close(Status.NOT_FOUND, trailers);
        }
      }, echoing);
      AtomicReference<Metadata> headers = new AtomicReference<>();
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      try {
        ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(channel,
            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)), UNARY, CallOptions.DEFAULT, "hi");
      } catch (StatusRuntimeException expected) {
        assertThat(headersFirst).isFalse();
      }
      Metadata echoedIn = headersFirst ? headers.get() : trailers.get();
      assertThat(echoedIn.getAll(ECHO)).as("headersFirst=%s", headersFirst).hasSize(1)
          .allMatch(id -> id.matches("[0-9a-f]{32}"));
      stopServer();
    }
  }

  @Test
  void builders_reservedEchoHeadersAndNullCaptureKeys_failNamingTheArgument() {
    for (String reserved : List.of("grpc-status", "Grpc-Foo", ":path", "content-type", "TE", "user-agent")) {
      assertThatThrownBy(() -> RequestIdServerInterceptor.builder().echoHeader(reserved))
          .as(reserved).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header")
          .hasMessageContaining("reserved");
    }
    assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.otel)
        .captureRequestMetadata(Arrays.asList("x-a", null)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("captureRequestMetadata");
    assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.otel)
        .captureResponseMetadata(List.of("bad key")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captureResponseMetadata");
  }
}
