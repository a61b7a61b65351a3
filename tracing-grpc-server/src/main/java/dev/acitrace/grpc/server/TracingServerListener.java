package dev.acitrace.grpc.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.ServerCall;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Runs every callback with the call's context current, in OpenTelemetry's storage and in
 * {@code io.grpc.Context} (see {@link dev.acitrace.grpc.GrpcContextBridge}), and ends the span: on complete,
 * on cancel, or when a callback throws. Never on half-close, which only means the client is done sending.
 */
// OpenTelemetry's context is made current first and gRPC's attached second, undone in reverse: proper
// nesting whichever storage gRPC uses. When gRPC stores its context inside OpenTelemetry's, there is no
// gRPC context to attach (null): making ours current already carries the call's gRPC context along.
final class TracingServerListener<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {

  private final TracingServerCall<ReqT, ?> call;
  private final Context context;
  private final io.grpc.Context grpcContext;

  TracingServerListener(ServerCall.Listener<ReqT> delegate, TracingServerCall<ReqT, ?> call, Context context,
      io.grpc.Context grpcContext) {
    super(delegate);
    this.call = call;
    this.context = context;
    this.grpcContext = grpcContext;
  }

  @Override
  public void onMessage(ReqT message) {
    call.messageReceived();
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      super.onMessage(message);
    } catch (RuntimeException | Error e) {
      call.failed(e);
      throw e;
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }

  @Override
  public void onHalfClose() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      super.onHalfClose();
    } catch (RuntimeException | Error e) {
      call.failed(e);
      throw e;
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }

  @Override
  public void onCancel() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      try {
        call.cancelled(grpcContext != null ? grpcContext : io.grpc.Context.current());
      } finally {
        // Whatever ending the span throws, the handler hears of the cancel.
        super.onCancel();
      }
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }

  @Override
  public void onComplete() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      try {
        call.complete();
      } finally {
        super.onComplete();
      }
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }

  @Override
  public void onReady() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      super.onReady();
    } catch (RuntimeException | Error e) {
      call.failed(e);
      throw e;
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }
}
