package dev.acitrace.examples.consumer;

import dev.acitrace.grpc.client.GrpcClientTracing;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Proves "import the BOM and choose modules": runs on the module path with only the client interceptor, makes a
 * traced in-process call, and checks the wire header. Exits 2 when modules it must not see are on its module path.
 */
public final class Main {

  /** Modules a client-only user must not be made to carry. */
  private static final List<String> FORBIDDEN = List.of("dev.acitrace.grpc.server", "dev.acitrace.snapshotter",
      "dev.acitrace.bundle", "io.opentelemetry.sdk", "io.opentelemetry.sdk.trace");

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (!Main.class.getModule().isNamed()) {
      fail(1, "not running on the module path");
    }
    Set<String> onPath = modulePath();
    Set<String> forbidden = new TreeSet<>(FORBIDDEN);
    forbidden.retainAll(onPath);
    if (!forbidden.isEmpty()) {
      fail(2, "modules a client-only user must not carry are on the module path: " + forbidden);
    }

    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("example.Echo/Say")
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    AtomicReference<String> traceparent = new AtomicReference<>();
    Metadata.Key<String> key = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        traceparent.set(headers.get(key));
        return next.startCall(call, headers);
      }
    };
    ServerServiceDefinition service = ServerServiceDefinition.builder("example.Echo")
        .addMethod(method, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        .build();

    // No SDK here: the API's no-op tracer continues a valid parent, so the client interceptor must put that
    // parent's trace id on the wire.
    OpenTelemetry otel = OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
    SpanContext parent = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.getDefault());

    String name = "consumer-" + System.nanoTime();
    Server server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, capture)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor()
        .intercept(GrpcClientTracing.create(otel).newInterceptor()).build();
    try (Scope ignored = Span.wrap(parent).makeCurrent()) {
      byte[] reply = ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, new byte[] {42});
      if (reply.length != 1 || reply[0] != 42) {
        fail(3, "unexpected reply " + Arrays.toString(reply));
      }
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
    String header = traceparent.get();
    if (header == null || !header.contains(parent.getTraceId())) {
      fail(4, "traceparent not propagated: " + header + " (status " + Status.OK + ")");
    }
    System.out.println("consumer OK: module " + Main.class.getModule().getName() + ", modules on path: "
        + onPath.size() + ", traceparent " + header);
  }

  private static Set<String> modulePath() {
    String path = System.getProperty("jdk.module.path", "");
    Path[] entries = Arrays.stream(path.split(File.pathSeparator))
        .filter(s -> !s.isEmpty()).map(Path::of).toArray(Path[]::new);
    return ModuleFinder.of(entries).findAll().stream()
        .map(ModuleReference::descriptor).map(d -> d.name())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static void fail(int code, String message) {
    System.err.println("consumer FAILED: " + message);
    System.exit(code);
  }
}
