package dev.acitrace.grpc.server;

import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A hand-built service with a String marshaller, one method per call type; what a call does depends on
 * its (first) request: {@code ok}, {@code fail} (NOT_FOUND), {@code internal} (INTERNAL with a cause),
 * {@code throw}, {@code hang} (never answers), {@code sleep} (answers after 300 ms), {@code relay} (calls
 * the downstream channel on the handler's thread), {@code relay-root} (the same with {@code Context.root()} made
 * current) and {@code relay-thread} (on another thread, through
 * {@code io.grpc.Context.currentContextExecutor}). Every handler records what context it ran in.
 */
final class EchoService {

  static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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
  };

  /** What a handler saw. */
  record Seen(SpanContext span, Map<String, String> baggage) {}

  final String service;
  final MethodDescriptor<String, String> unary;
  final MethodDescriptor<String, String> clientStreaming;
  final MethodDescriptor<String, String> serverStreaming;
  final MethodDescriptor<String, String> bidi;
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Where {@code relay} calls go; set by the test. */
  volatile Supplier<Channel> downstream;
  private final ExecutorService worker = Executors.newSingleThreadExecutor();

  EchoService(String service) {
    this.service = service;
    unary = method("Unary", MethodDescriptor.MethodType.UNARY);
    clientStreaming = method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
    serverStreaming = method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
    bidi = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);
  }

  private MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
        .setRequestMarshaller(STRING)
        .setResponseMarshaller(STRING)
        .setSampledToLocalTracing(true) // as generated stubs do: a registered method (RPC metrics name it)
        .build();
  }

  void close() throws InterruptedException {
    worker.shutdownNow();
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(service)
        .addMethod(unary, ServerCalls.asyncUnaryCall(this::answer))
        .addMethod(serverStreaming, ServerCalls.asyncServerStreamingCall((request, out) -> {
          if (behave(request, out)) {
            out.onNext("a");
            out.onNext("b");
            out.onNext("c");
            out.onCompleted();
          }
        }))
        .addMethod(clientStreaming, ServerCalls.asyncClientStreamingCall(out -> collector(out, false)))
        .addMethod(bidi, ServerCalls.asyncBidiStreamingCall(out -> collector(out, true)))
        .build();
  }

  private void record() {
    Map<String, String> entries = new java.util.TreeMap<>();
    Baggage.current().forEach((key, entry) -> entries.put(key, entry.getValue()));
    seen.add(new Seen(Span.current().getSpanContext(), entries));
  }

  private void answer(String request, StreamObserver<String> out) {
    if (request.equals("relay")) {
      out.onNext(relay());
      out.onCompleted();
      return;
    }
    if (request.equals("relay-root")) {
      // A handler that starts a fresh trace on purpose for its outgoing call.
      try (io.opentelemetry.context.Scope ignored = io.opentelemetry.context.Context.root().makeCurrent()) {
        out.onNext(relay());
      }
      out.onCompleted();
      return;
    }
    if (request.equals("relay-thread")) {
      try {
        java.util.concurrent.CompletableFuture<String> reply = new java.util.concurrent.CompletableFuture<>();
        io.grpc.Context.currentContextExecutor(worker).execute(() -> {
          try {
            reply.complete(relay());
          } catch (RuntimeException e) {
            reply.completeExceptionally(e);
          }
        });
        out.onNext(reply.get(5, TimeUnit.SECONDS));
        out.onCompleted();
      } catch (Exception e) {
        out.onError(Status.INTERNAL.withCause(e).asRuntimeException());
      }
      return;
    }
    if (behave(request, out)) {
      out.onNext("echo:" + request);
      out.onCompleted();
    }
  }

  private String relay() {
    record();
    return "relayed:" + ClientCalls.blockingUnaryCall(downstream.get(), unaryOf("test.B"),
        io.grpc.CallOptions.DEFAULT, "ok");
  }

  static MethodDescriptor<String, String> unaryOf(String service) {
    return new EchoService(service).unary;
  }

  /** Applies the behaviour the request asks for; true when the caller should answer normally. */
  private boolean behave(String request, StreamObserver<String> out) {
    record();
    switch (request) {
      case "fail":
        out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException());
        return false;
      case "internal":
        out.onError(Status.INTERNAL.withDescription("broken").withCause(new IllegalStateException("disk"))
            .asRuntimeException());
        return false;
      case "throw":
        throw new IllegalArgumentException("handler blew up");
      case "hang":
        return false;
      case "sleep":
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return true;
      default:
        return true;
    }
  }

  private StreamObserver<String> collector(StreamObserver<String> out, boolean echoEach) {
    List<String> received = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        if (received.isEmpty() && !behave(value, out)) {
          received.add("stopped");
          return;
        }
        received.add(value);
        if (echoEach) {
          out.onNext("echo:" + value);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        if (received.contains("stopped")) {
          return;
        }
        if (!echoEach) {
          out.onNext(String.join(",", received));
        }
        out.onCompleted();
      }
    };
  }
}
