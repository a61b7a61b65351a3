package dev.acitrace.reliability;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Messages as raw bytes: the suite measures the tracing, not protobuf. */
final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
  static final Bytes MARSHALLER = new Bytes();

  private Bytes() {}

  static MethodDescriptor<byte[], byte[]> method(MethodDescriptor.MethodType type, String fullName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(fullName)
        .setRequestMarshaller(MARSHALLER)
        .setResponseMarshaller(MARSHALLER)
        .build();
  }

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
