package dev.acitrace.grpc.client;

import dev.acitrace.grpc.internal.CallSizes;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The message sizes of one traced client call, for the old conventions' {@code rpc.client.request.size} /
 * {@code rpc.client.response.size}: added to the call's {@code CallOptions} (next to the attempt-span factory,
 * when there is one) only when RPC metrics record sizes, and handed to the call's {@code TracedCall}, which
 * reads it when the call ends.
 *
 * <p>gRPC reports {@code outboundUncompressedSize} / {@code inboundUncompressedSize} per message and per
 * attempt: the serialized message, before compression and without the 5-byte gRPC frame header, which is
 * what the conventions' "size of RPC request messages (uncompressed)" means, and the same on both sides of a
 * call whatever each compresses with (the wire size depends on the compressor).
 *
 * <p>Retries and hedges send the same request messages again; only one attempt's responses reach the
 * application. The call counts each message once, as {@code rpc.client.requests_per_rpc} does: its sizes
 * are the largest totals of any closed attempt (each attempt sends a prefix of the same messages; the
 * committed attempt alone receives responses).
 *
 * <p>Threads: each attempt's tracer counts on its own fields, outbound on the sending thread and inbound on
 * the deframing thread (gRPC serializes each); volatile, because {@code streamClosed} reads them on a
 * transport thread. At {@code streamClosed} the attempt raises the call's totals with a compare-and-set
 * (hedged attempts close concurrently). gRPC closes the committed attempt's stream before it tells the
 * call's listener, so {@code onClose}, where the call ends and reads the totals, sees them; a losing hedge
 * that closes after that is not counted, which loses nothing (it sent the same messages, and gRPC cancels it
 * before it can hand responses to the application).
 */
final class ClientSizes extends ClientStreamTracer.Factory implements CallSizes {

  private static final AtomicLongFieldUpdater<ClientSizes> REQUEST =
      AtomicLongFieldUpdater.newUpdater(ClientSizes.class, "requestBytes");
  private static final AtomicLongFieldUpdater<ClientSizes> RESPONSE =
      AtomicLongFieldUpdater.newUpdater(ClientSizes.class, "responseBytes");

  /** The largest totals of the attempts closed so far; -1 while none reported a message. */
  private volatile long requestBytes = -1;
  private volatile long responseBytes = -1;

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
    return new Attempt(this);
  }

  @Override
  public long requestBytes() {
    return requestBytes;
  }

  @Override
  public long responseBytes() {
    return responseBytes;
  }

  private void attemptClosed(long sent, long received) {
    raise(REQUEST, sent);
    raise(RESPONSE, received);
  }

  private void raise(AtomicLongFieldUpdater<ClientSizes> total, long value) {
    long current = total.get(this);
    while (value > current && !total.compareAndSet(this, current, value)) {
      current = total.get(this);
    }
  }

  /** One attempt's counts. */
  private static final class Attempt extends ClientStreamTracer {
    private final ClientSizes call;
    private volatile long sent = -1; // written only by the sending thread
    private volatile long received = -1; // written only by the deframing thread

    Attempt(ClientSizes call) {
      this.call = call;
    }

    @Override
    public void outboundUncompressedSize(long bytes) {
      sent = CallSizes.plus(sent, bytes);
    }

    @Override
    public void inboundUncompressedSize(long bytes) {
      received = CallSizes.plus(received, bytes);
    }

    @Override
    public void streamClosed(Status status) {
      call.attemptClosed(sent, received);
    }
  }
}
