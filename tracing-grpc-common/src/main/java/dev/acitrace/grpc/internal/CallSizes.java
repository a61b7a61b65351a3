package dev.acitrace.grpc.internal;

/**
 * The uncompressed message bytes of one call, as a gRPC stream tracer measured them (interceptors never see
 * serialized messages): what a {@link TracedCall} hands its {@link CallListener} when it ends, if it was
 * given one with {@link TracedCall#sizes}. Read once, on the thread that ends the call, while the transport
 * may still be reporting on its own threads: implementations publish their counts safely (e.g. volatile
 * fields with a single writer each). Not for public use.
 */
public interface CallSizes {

  /** Request bytes (sent on a client, received on a server), or -1 when the transport reported none. */
  long requestBytes();

  /** Response bytes (received on a client, sent on a server), or -1 when the transport reported none. */
  long responseBytes();

  /**
   * A running total after one more message of {@code bytes}: -1 (nothing reported yet) becomes
   * {@code bytes}. For the single-writer counters of stream tracers.
   */
  static long plus(long total, long bytes) {
    return total < 0 ? bytes : total + bytes;
  }
}
