/** A user's module that takes only the client interceptor. */
module dev.acitrace.examples.consumer {
  requires dev.acitrace.grpc.client;
  requires io.grpc.inprocess;
  requires io.grpc.stub;
}
