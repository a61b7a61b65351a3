package dev.acitrace.grpc.server;

import dev.acitrace.grpc.internal.CallSizes;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;

/**
 * Measures the message sizes of server calls, for the old conventions' {@code rpc.server.request.size} /
 * {@code rpc.server.response.size}: a stream tracer factory that {@link GrpcServerTracing#applyTo} adds to
 * the server builder when RPC metrics record sizes. A server interceptor alone never sees serialized
 * messages; with only the interceptor installed, the sizes are not recorded.
 *
 * <p>How the tracer reaches the interceptor: gRPC creates a stream's tracers when the stream arrives, then
 * asks them to {@code filterContext} the call's {@code io.grpc.Context} before any interceptor runs, and
 * runs the interceptors with that context attached. The tracer puts itself there under {@link #KEY}; the
 * tracing interceptor reads it ({@link #link}) and hands it to the call's {@code TracedCall}, which reads
 * the counts when the call ends. One key for every instance: all tracers of a stream count the same stream.
 *
 * <p>What is counted: {@code inboundUncompressedSize} / {@code outboundUncompressedSize}, the serialized
 * messages before compression, without gRPC's 5-byte frame header (the conventions' "uncompressed" size).
 * Threads: inbound sizes are reported by the deframing thread, outbound ones by the thread sending (gRPC
 * serializes each); each counter has that single writer and is volatile, so that the end of the call, on
 * the application's executor (or the handler's thread when it throws), reads the latest count. gRPC reports
 * {@code streamClosed} to the tracer before it tells the call's listener, so a call that completes or is
 * cancelled has all its sizes counted by then.
 */
final class ServerSizes extends ServerStreamTracer.Factory {

  /** The current stream's tracer, in the call's {@code io.grpc.Context}. */
  private static final Context.Key<Tracer> KEY = Context.key("dev.acitrace.grpc.server.sizes");

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    return new Tracer();
  }

  /**
   * Hands {@code traced} the sizes of the call being intercepted, when a {@link ServerSizes} measures its
   * stream; otherwise the call's sizes stay unknown. Call from the interceptor (the call's context current).
   */
  static void link(TracedCall traced) {
    Tracer tracer = KEY.get();
    if (tracer != null) {
      traced.sizes(tracer);
    }
  }

  /** The counts of one stream. */
  private static final class Tracer extends ServerStreamTracer implements CallSizes {
    private volatile long received = -1; // written only by the deframing thread
    private volatile long sent = -1; // written only by the sending thread

    @Override
    public Context filterContext(Context context) {
      return context.withValue(KEY, this);
    }

    @Override
    public void inboundUncompressedSize(long bytes) {
      received = CallSizes.plus(received, bytes);
    }

    @Override
    public void outboundUncompressedSize(long bytes) {
      sent = CallSizes.plus(sent, bytes);
    }

    @Override
    public long requestBytes() {
      return received;
    }

    @Override
    public long responseBytes() {
      return sent;
    }
  }
}
