/** gRPC glue shared by the client and server interceptors. */
module dev.acitrace.grpc {
  requires transitive dev.acitrace.api;
  requires transitive io.grpc;

  exports dev.acitrace.grpc;
}
