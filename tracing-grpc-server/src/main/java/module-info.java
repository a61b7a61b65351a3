/**
 * Tracing for gRPC servers: {@link dev.acitrace.grpc.server.GrpcServerTracing} builds a server interceptor
 * that extracts context and baggage with the OpenTelemetry instance's propagators, starts a {@code SERVER}
 * span per call, gives the call a request id, and keeps the context current for the handler;
 * {@link dev.acitrace.grpc.server.RequestIdServerInterceptor} offers the request ids alone.
 */
module dev.acitrace.grpc.server {
  requires transitive dev.acitrace.grpc;
  requires transitive dev.acitrace.baggage;

  requires java.logging;

  exports dev.acitrace.grpc.server;
}
