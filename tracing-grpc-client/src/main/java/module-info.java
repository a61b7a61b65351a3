/** Tracing for gRPC clients. */
module dev.acitrace.grpc.client {
  requires transitive dev.acitrace.grpc;

  exports dev.acitrace.grpc.client;
}
