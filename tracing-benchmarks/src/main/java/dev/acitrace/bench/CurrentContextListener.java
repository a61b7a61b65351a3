package dev.acitrace.bench;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * A server listener that makes one context current around each of the handler's callbacks and, when given a
 * span, ends it when the call completes or is cancelled: the server half of the benchmarks' hand-written
 * minimal variants.
 */
final class CurrentContextListener<Q> extends SimpleForwardingServerCallListener<Q> {

  private final Context context;
  private final Span span; // null: nothing to end

  private CurrentContextListener(ServerCall.Listener<Q> delegate, Context context, Span span) {
    super(delegate);
    this.context = context;
    this.span = span;
  }

  /** Starts the handler with {@code context} current; the listener keeps it current and ends {@code span}. */
  static <Q, R> ServerCall.Listener<Q> start(
      ServerCallHandler<Q, R> next, ServerCall<Q, R> call, Metadata headers, Context context, Span span) {
    ServerCall.Listener<Q> delegate;
    try (Scope ignored = context.makeCurrent()) {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException | Error e) {
      if (span != null) {
        span.end(); // the handler never started: no callback will end it
      }
      throw e;
    }
    return new CurrentContextListener<>(delegate, context, span);
  }

  @Override
  public void onMessage(Q message) {
    try (Scope ignored = context.makeCurrent()) {
      super.onMessage(message);
    }
  }

  @Override
  public void onHalfClose() {
    try (Scope ignored = context.makeCurrent()) {
      super.onHalfClose();
    }
  }

  @Override
  public void onCancel() {
    try (Scope ignored = context.makeCurrent()) {
      super.onCancel();
    } finally {
      end();
    }
  }

  @Override
  public void onComplete() {
    try (Scope ignored = context.makeCurrent()) {
      super.onComplete();
    } finally {
      end();
    }
  }

  @Override
  public void onReady() {
    try (Scope ignored = context.makeCurrent()) {
      super.onReady();
    }
  }

  private void end() {
    if (span != null) {
      span.end();
    }
  }
}
