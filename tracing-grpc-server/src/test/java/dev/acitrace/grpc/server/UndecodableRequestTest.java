package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request body the server cannot parse: gRPC closes the call itself (the handler never sees the message)
 * and the client gets {@code UNKNOWN}. The server span must say so, not end OK.
 */
class UndecodableRequestTest {

  /** Parses strictly, failing as protobuf's marshaller does on an invalid byte sequence. */
  private static final MethodDescriptor.Marshaller<String> STRICT = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(stream.readAllBytes())).toString();
      } catch (CharacterCodingException e) {
        throw Status.INTERNAL.withDescription("Invalid byte sequence").withCause(e).asRuntimeException();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** Sends whatever bytes it is given. */
  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static final String METHOD = "test.Strict/Unary";

  private final TestTelemetry telemetry = new TestTelemetry();
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    executor.shutdownNow();
    try {
      telemetry.assertEachSpanEndedExactlyOnce(); // every test: each span ended once, no second end()
    } finally {
      telemetry.close();
    }
  }

  @Test
  void undecodableRequest_serverSpanCarriesTheStatusTheClientGot_logsBounded() throws Exception {
    MethodDescriptor<String, String> strict = MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(METHOD)
        .setRequestMarshaller(STRICT)
        .setResponseMarshaller(STRICT)
        .build();
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Strict")
        .addMethod(strict, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext("echo:" + request);
          response.onCompleted();
        }))
        .build();
    String name = InProcessServerBuilder.generateName();
    server = GrpcServerTracing.builder(telemetry.otel)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .build()
        .applyTo(InProcessServerBuilder.forName(name).executor(executor).addService(service))
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).build();
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(METHOD)
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();

    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger acitrace = Logger.getLogger("dev.acitrace");
    acitrace.addHandler(handler);
    int calls = 5;
    try {
      for (int i = 0; i < calls; i++) {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
            channel, raw, CallOptions.DEFAULT, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3}))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
      }
      List<SpanData> spans = telemetry.awaitSpans(calls);
      for (SpanData span : spans) {
        assertThat(span)
            .hasKind(SpanKind.SERVER)
            .hasName(METHOD)
            .hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, (long) Status.Code.UNKNOWN.value());
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      }
    } finally {
      acitrace.removeHandler(handler);
    }
    // Ours: at most one line per call (none is needed: the span says it all).
    assertThat(records).hasSizeLessThanOrEqualTo(calls);
  }
}
