/**
 * The reliability suite and the interop tests (not published): {@code dev.acitrace.reliability} holds the
 * suite that {@code reliability/run} launches as
 * {@code java -p ... -m dev.acitrace.interop/dev.acitrace.reliability.ReliabilitySuite};
 * {@code dev.acitrace.interop.proto} holds the messages generated from the Node peer's
 * {@code interop/node/proto/acitrace/interop/v1/interop.proto}. The tests (the Node interop tests in
 * {@code dev.acitrace.interop}, the suite's checks in {@code dev.acitrace.reliability}) are patched into
 * this module by Surefire, so they run on the module path and use the public API through it.
 */
module dev.acitrace.interop {
  requires dev.acitrace.bundle; // brings api, baggage, grpc, grpc.client, grpc.server and the SDK
  requires dev.acitrace.testing; // EndCounting (lifecycle checks), SilentCollector (collector outage)

  requires com.google.common; // ListenableFuture, from ClientCalls.futureUnaryCall
  requires com.google.protobuf;
  requires io.grpc;
  requires io.grpc.netty.shaded;
  requires io.grpc.stub;
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.trace;
  requires java.logging;
  requires java.management;
  // What the automatic modules on the path need but cannot declare (failureaccess, jdk.unsupported,
  // java.net.http) comes with dev.acitrace.bundle's requires, so `java -p ... -m` needs no --add-modules.

  // the generated wire messages: protobuf reflects on them (toString)
  exports dev.acitrace.interop.proto to com.google.protobuf;
}
