/**
 * gRPC glue shared by acitrace's client and server interceptors: metadata getter and setter for
 * OpenTelemetry propagators, semantic-convention keys, the status rule, and the bridge between
 * {@code io.grpc.Context} and OpenTelemetry's {@code Context}.
 *
 * <p>The {@code internal} package holds the machinery both interceptors run on; it is exported only to them.
 */
module dev.acitrace.grpc {
  requires transitive dev.acitrace.api;
  requires transitive io.grpc;

  requires java.logging;

  exports dev.acitrace.grpc;
  exports dev.acitrace.grpc.internal to dev.acitrace.grpc.client, dev.acitrace.grpc.server;
}
