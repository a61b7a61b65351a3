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
// Order of attaching: OpenTelemetry's context first, gRPC's second (and detached in reverse). Without the
// grpc-context-override-opentelemetry jar the two storages are independent and the order does not matter;
// with it, gRPC's context lives inside OpenTelemetry's, and attaching ours second keeps the call's gRPC
// context (deadline, cancellation) visible to the handler instead of replacing it.
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
    io.grpc.Context previous = grpcContext.attach();
    try {
      super.onMessage(message);
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      grpcContext.detach(previous);
      scope.close();
    }
  }

  @Override
  public void onHalfClose() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = grpcContext.attach();
    try {
      super.onHalfClose();
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      grpcContext.detach(previous);
      scope.close();
    }
  }

  @Override
  public void onCancel() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = grpcContext.attach();
    try {
      call.cancelled(grpcContext);
      super.onCancel();
    } finally {
      grpcContext.detach(previous);
      scope.close();
    }
  }

  @Override
  public void onComplete() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = grpcContext.attach();
    try {
      call.complete();
      super.onComplete();
    } finally {
      grpcContext.detach(previous);
      scope.close();
    }
  }

  @Override
  public void onReady() {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = grpcContext.attach();
    try {
      super.onReady();
    } catch (RuntimeException | Error e) {
      call.end(Status.UNKNOWN, e);
      throw e;
    } finally {
      grpcContext.detach(previous);
      scope.close();
    }
  }
}
