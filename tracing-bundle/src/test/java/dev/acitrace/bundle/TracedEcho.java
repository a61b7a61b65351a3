package dev.acitrace.bundle;

import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Traced gRPC calls for the end-to-end tests: an in-process echo service traced by acitrace's
 * {@link GrpcServerTracing} (SERVER span, request id) and called through {@link GrpcClientTracing}
 * (CLIENT span, trace context and baggage in the metadata), with one INTERNAL child in the handler.
 */
final class TracedEcho implements AutoCloseable {

  static final String SERVICE = "test.Echo";
  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Say"))
      .setRequestMarshaller(Utf8.INSTANCE)
      .setResponseMarshaller(Utf8.INSTANCE)
      .build();

  private final Server server;
  private final ManagedChannel channel;
  private final Channel traced;

  TracedEcho(OpenTelemetry openTelemetry) throws IOException {
    String name = InProcessServerBuilder.generateName();
    Tracer tracer = openTelemetry.getTracer("acitrace-test");
    ServerServiceDefinition echo = ServerServiceDefinition.builder(SERVICE)
        .addMethod(SAY, ServerCalls.asyncUnaryCall((request, responses) -> {
          Span work = tracer.spanBuilder("echo.work").setAttribute("echo.length", request.length()).startSpan();
          work.end();
          responses.onNext("echo " + request);
          responses.onCompleted();
        }))
        .build();
    InProcessServerBuilder serverBuilder = InProcessServerBuilder.forName(name).directExecutor()
        .addService(echo);
    server = GrpcServerTracing.create(openTelemetry).applyTo(serverBuilder).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    traced = ClientInterceptors.intercept(channel, GrpcClientTracing.create(openTelemetry).newInterceptor());
  }

  String say(String message) {
    return ClientCalls.blockingUnaryCall(traced, SAY, CallOptions.DEFAULT, message);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private enum Utf8 implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
