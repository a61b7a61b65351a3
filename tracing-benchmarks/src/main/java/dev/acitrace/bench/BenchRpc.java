package dev.acitrace.bench;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark service: one unary and one server-streaming method on raw bytes, so that no protobuf
 * (de)serialization cost hides the tracing cost being measured.
 */
final class BenchRpc {

  static final String SERVICE = "bench.v1.Bench";

  /** Messages the server-streaming method sends for every request. */
  static final int STREAM_MESSAGES = 100;

  /** A small payload: tracing cost is per call, so a large message would only dilute it. */
  static final byte[] REQUEST = "ping:0123456789".getBytes(StandardCharsets.US_ASCII);

  static final byte[] RESPONSE = "pong:0123456789".getBytes(StandardCharsets.US_ASCII);

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new BytesMarshaller();

  static final MethodDescriptor<byte[], byte[]> UNARY = method(MethodDescriptor.MethodType.UNARY, "Unary");

  static final MethodDescriptor<byte[], byte[]> SERVER_STREAMING =
      method(MethodDescriptor.MethodType.SERVER_STREAMING, "ServerStreaming");

  private static MethodDescriptor<byte[], byte[]> method(MethodDescriptor.MethodType type, String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  private BenchRpc() {}

  /** The server side: answers the unary call with one constant message, the streaming call with 100. */
  static ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            UNARY,
            ServerCalls.asyncUnaryCall(
                (request, responses) -> {
                  responses.onNext(RESPONSE);
                  responses.onCompleted();
                }))
        .addMethod(
            SERVER_STREAMING,
            ServerCalls.asyncServerStreamingCall(
                (request, responses) -> {
                  for (int i = 0; i < STREAM_MESSAGES; i++) {
                    responses.onNext(RESPONSE);
                  }
                  responses.onCompleted();
                }))
        .build();
  }

  /** Passes bytes through unchanged; the in-process transport still calls it once per message each way. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
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
  }
}
