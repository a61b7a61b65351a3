/** Tracing for gRPC servers. */
module dev.acitrace.grpc.server {
  requires transitive dev.acitrace.grpc;
  requires transitive dev.acitrace.baggage;

  exports dev.acitrace.grpc.server;
}
