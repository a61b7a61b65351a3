package dev.acitrace.grpc.server;

import dev.acitrace.grpc.GrpcContextBridge;
import io.opentelemetry.context.Context;

/**
 * The gRPC half of keeping a call's context current: the {@code io.grpc.Context} that carries the
 * OpenTelemetry one, and attaching it around callbacks. When gRPC already stores its context inside
 * OpenTelemetry's ({@link GrpcContextBridge#grpcStoredInOpenTelemetry()}), making the OpenTelemetry context
 * current is all it takes, and this half is skipped ({@code null} gRPC context).
 */
final class ServerContexts {

  private ServerContexts() {}

  /**
   * The gRPC context to attach around the call's callbacks, or {@code null} when none is needed. Call it
   * while {@code context} is current: with gRPC's storage inside OpenTelemetry's, gRPC's current context then
   * records ours.
   */
  static io.grpc.Context grpcContextFor(Context context) {
    if (GrpcContextBridge.grpcStoredInOpenTelemetry()) {
      return null;
    }
    return GrpcContextBridge.withOpenTelemetry(io.grpc.Context.current(), context);
  }

  /** Attaches {@code grpcContext} if there is one; returns what to restore. */
  static io.grpc.Context attach(io.grpc.Context grpcContext) {
    return grpcContext == null ? null : grpcContext.attach();
  }

  /** Undoes {@link #attach}. */
  static void detach(io.grpc.Context grpcContext, io.grpc.Context previous) {
    if (grpcContext != null) {
      grpcContext.detach(previous);
    }
  }
}
