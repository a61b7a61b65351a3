package dev.acitrace.grpc.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Runs every callback with the call's context current, in OpenTelemetry's storage and in
 * {@code io.grpc.Context} (see {@link dev.acitrace.grpc.GrpcContextBridge}), and ends the span: on complete,
 * on cancel, or when a callback throws. Never on half-close, which only means the client is done sending.
 */
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
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      super.onMessage(message);
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }

  @Override
  public void onHalfClose() {
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      super.onHalfClose();
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }

  @Override
  public void onCancel() {
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      call.cancelled(grpcContext);
      super.onCancel();
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }

  @Override
  public void onComplete() {
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      call.complete();
      super.onComplete();
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }

  @Override
  public void onReady() {
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      super.onReady();
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }
}
