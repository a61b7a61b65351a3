/** A user's module that takes only the client interceptor. */
module dev.acitrace.examples.consumer {
  requires dev.acitrace.grpc.client;
  requires io.grpc.inprocess;
  requires io.grpc.stub;
  // grpc-stub uses Guava, an automatic module that cannot declare its need for failureaccess; a java -m
  // launch resolves it only when a named module asks (shared facts: the same holds for any grpc-java user).
  requires com.google.common.util.concurrent.internal;
}
