package dev.acitrace.snapshotter.proxy;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A marshaller that leaves messages as the bytes on the wire: what the caller sent is what the upstream
 * receives, byte for byte (unknown fields, field order, invalid UTF-8 and all), and answers are never
 * decoded and re-encoded on their way back.
 */
final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {

  static final RawBytes INSTANCE = new RawBytes();

  private RawBytes() {}

  @Override
  public InputStream stream(byte[] value) {
    return new Stream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        int length = stream.available();
        byte[] bytes = new byte[length];
        int read = 0;
        while (read < length) {
          int n = stream.read(bytes, read, length - read);
          if (n < 0) {
            break;
          }
          read += n;
        }
        if (read == length && stream.read() < 0) {
          return bytes;
        }
        throw new IOException("message shorter or longer than its announced " + length + " bytes");
      }
      return stream.readAllBytes();
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("cannot read message").withCause(e).asRuntimeException();
    }
  }

  /** A byte array stream that tells gRPC its length, so the message is framed without copying twice. */
  private static final class Stream extends ByteArrayInputStream implements KnownLength {
    Stream(byte[] bytes) {
      super(bytes);
    }
  }
}
