package dev.acitrace.grpc.client;

import dev.acitrace.testing.TestCalls;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A hand-built service {@code test.Echo} with a String marshaller: one method per call type. What a call
 * does depends on its (first) request: {@code ok}, {@code fail} (NOT_FOUND), {@code internal} (INTERNAL
 * with a cause), {@code throw} (the handler throws), {@code hang} (never answers).
 */
final class TestService {

  static final String SERVICE = "test.Echo";

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

  static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> CLIENT_STREAMING =
      method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
  static final MethodDescriptor<String, String> SERVER_STREAMING =
      method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);

  /** One OK and one failed (request "fail": NOT_FOUND) call of every type, on {@code channel}. */
  static void callEveryTypeOkAndFailed(Channel channel) throws Exception {
    TestCalls.everyTypeOkAndFailed(channel, UNARY, SERVER_STREAMING, CLIENT_STREAMING, BIDI);
  }

  /** Released by tests that need a hanging handler to stop. */
  final CountDownLatch released = new CountDownLatch(1);

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(STRING)
        .setResponseMarshaller(STRING)
        .build();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::answer))
        .addMethod(SERVER_STREAMING, ServerCalls.asyncServerStreamingCall((request, out) -> {
          if (behave(request, out)) {
            out.onNext("a");
            out.onNext("b");
            out.onNext("c");
            out.onCompleted();
          }
        }))
        .addMethod(CLIENT_STREAMING, ServerCalls.asyncClientStreamingCall(out -> collector(out, false)))
        .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> collector(out, true)))
        .build();
  }

  private void answer(String request, StreamObserver<String> out) {
    if (behave(request, out)) {
      out.onNext("echo:" + request);
      out.onCompleted();
    }
  }

  /** Applies the behaviour the request asks for; true when the caller should answer normally. */
  private static boolean behave(String request, StreamObserver<String> out) {
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
      default:
        return true;
    }
  }

  private static StreamObserver<String> collector(StreamObserver<String> out, boolean echoEach) {
    List<String> seen = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(String value) {
        if (seen.isEmpty() && !value.equals("ok") && !behave(value, out)) {
          seen.add("stopped");
          return;
        }
        seen.add(value);
        if (echoEach) {
          out.onNext("echo:" + value);
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        if (seen.contains("stopped")) {
          return;
        }
        if (!echoEach) {
          out.onNext(String.join(",", seen));
        }
        out.onCompleted();
      }
    };
  }
}
