package dev.acitrace.grpc.server;

import dev.acitrace.grpc.internal.GrpcContextBridge;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Makes a call's OpenTelemetry context current, in OpenTelemetry's storage and carried by
 * {@code io.grpc.Context} (see {@link GrpcContextBridge}), around the handler's start and every listener
 * callback; with a {@link TracingServerCall}, also ends its span: on complete, on cancel, or when the
 * handler throws. Never on half-close, which only means the client is done sending. Used by the tracing
 * interceptor and by {@link RequestIdServerInterceptor} on its own (no call to end).
 *
 * <p>Every callback goes through one {@link #dispatch} (a switch, no lambda, nothing allocated beyond what
 * making a context current costs). OpenTelemetry's context is made current first and gRPC's attached
 * second, undone in reverse: proper nesting whichever storage gRPC uses. When gRPC stores its context inside
 * OpenTelemetry's, there is no gRPC context to attach (null): making ours current carries the call's along.
 */
final class ContextListener<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {

  private static final int MESSAGE = 0;
  private static final int HALF_CLOSE = 1;
  private static final int CANCEL = 2;
  private static final int COMPLETE = 3;
  private static final int READY = 4;

  private final Context context;
  private final io.grpc.Context grpcContext;
  /** The traced call whose span the callbacks end, or null (request ids alone). */
  private final TracingServerCall<ReqT, ?> call;

  private ContextListener(ServerCall.Listener<ReqT> delegate, Context context, io.grpc.Context grpcContext,
      TracingServerCall<ReqT, ?> call) {
    super(delegate);
    this.context = context;
    this.grpcContext = grpcContext;
    this.call = call;
  }

  /**
   * Starts the handler with {@code context} current and returns the listener that keeps it current.
   *
   * @param tracingCall the traced call (ended when the handler's start throws), or null
   */
  static <ReqT, RespT> ServerCall.Listener<ReqT> start(ServerCallHandler<ReqT, RespT> next,
      ServerCall<ReqT, RespT> call, Metadata headers, Context context, TracingServerCall<ReqT, RespT> tracingCall) {
    ServerCall.Listener<ReqT> delegate;
    Scope scope = context.makeCurrent();
    // Built while the context is current: with gRPC's storage inside OpenTelemetry's, none is needed.
    io.grpc.Context grpcContext = GrpcContextBridge.grpcStoredInOpenTelemetry()
        ? null : GrpcContextBridge.withOpenTelemetry(io.grpc.Context.current(), context);
    io.grpc.Context previous = grpcContext == null ? null : grpcContext.attach();
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      failed(tracingCall, e);
      throw e;
    } finally {
      exit(grpcContext, previous, scope);
    }
    return new ContextListener<>(delegate, context, grpcContext, tracingCall);
  }

  @Override
  public void onMessage(ReqT message) {
    dispatch(MESSAGE, message);
  }

  @Override
  public void onHalfClose() {
    dispatch(HALF_CLOSE, null);
  }

  @Override
  public void onCancel() {
    dispatch(CANCEL, null);
  }

  @Override
  public void onComplete() {
    dispatch(COMPLETE, null);
  }

  @Override
  public void onReady() {
    dispatch(READY, null);
  }

  private void dispatch(int callback, ReqT message) {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = grpcContext == null ? null : grpcContext.attach();
    try {
      switch (callback) {
        case MESSAGE:
          if (call != null) {
            call.traced.messageReceived();
          }
          super.onMessage(message);
          break;
        case HALF_CLOSE:
          super.onHalfClose();
          break;
        case CANCEL:
          try {
            if (call != null) {
              call.cancelled(grpcContext != null ? grpcContext : io.grpc.Context.current());
            }
          } finally {
            // Whatever ending the span throws, the handler hears of the cancel.
            super.onCancel();
          }
          break;
        case COMPLETE:
          try {
            if (call != null) {
              call.complete();
            }
          } finally {
            super.onComplete();
          }
          break;
        default:
          super.onReady();
          break;
      }
    } catch (RuntimeException | Error e) {
      // After cancel or complete the span has ended already and this changes nothing.
      failed(call, e);
      throw e;
    } finally {
      exit(grpcContext, previous, scope);
    }
  }

  /** Ends the span of a traced call whose handler threw (never throws); nothing without a traced call. */
  private static void failed(TracingServerCall<?, ?> call, Throwable thrown) {
    if (call != null) {
      call.failed(thrown);
    }
  }

  /** Undoes making the contexts current, in reverse order. */
  private static void exit(io.grpc.Context grpcContext, io.grpc.Context previous, Scope scope) {
    if (grpcContext != null) {
      grpcContext.detach(previous);
    }
    scope.close();
  }
}
