package dev.acitrace.grpc.server;

import dev.acitrace.grpc.GrpcContextBridge;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Makes an OpenTelemetry context current, in both OpenTelemetry's storage and {@code io.grpc.Context}, around
 * the handler's start and every listener callback. Used by {@link RequestIdServerInterceptor} on its own;
 * the tracing interceptor does the same in its own listener.
 */
final class ContextListener<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {

  private final Context context;
  private final io.grpc.Context grpcContext;

  private ContextListener(ServerCall.Listener<ReqT> delegate, Context context, io.grpc.Context grpcContext) {
    super(delegate);
    this.context = context;
    this.grpcContext = grpcContext;
  }

  static <ReqT, RespT> ServerCall.Listener<ReqT> start(ServerCallHandler<ReqT, RespT> next,
      ServerCall<ReqT, RespT> call, Metadata headers, Context context) {
    io.grpc.Context grpcContext = GrpcContextBridge.withOpenTelemetry(io.grpc.Context.current(), context);
    ServerCall.Listener<ReqT> delegate;
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      delegate = next.startCall(call, headers);
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
    return new ContextListener<>(delegate, context, grpcContext);
  }

  @Override
  public void onMessage(ReqT message) {
    io.grpc.Context previous = grpcContext.attach();
    Scope scope = context.makeCurrent();
    try {
      super.onMessage(message);
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
    } finally {
      scope.close();
      grpcContext.detach(previous);
    }
  }
}
