package dev.acitrace.grpc.server;

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
    ServerCall.Listener<ReqT> delegate;
    Scope scope = context.makeCurrent();
    io.grpc.Context grpcContext = ServerContexts.grpcContextFor(context);
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      delegate = next.startCall(call, headers);
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
    return new ContextListener<>(delegate, context, grpcContext);
  }

  @Override
  public void onMessage(ReqT message) {
    Scope scope = context.makeCurrent();
    io.grpc.Context previous = ServerContexts.attach(grpcContext);
    try {
      super.onMessage(message);
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
      super.onCancel();
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
      super.onComplete();
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
    } finally {
      ServerContexts.detach(grpcContext, previous);
      scope.close();
    }
  }
}
