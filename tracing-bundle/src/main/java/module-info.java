/** Every acitrace module in one dependency, and the one-call OpenTelemetry initialization. */
module dev.acitrace.bundle {
  requires transitive dev.acitrace.api;
  requires transitive dev.acitrace.baggage;
  requires transitive dev.acitrace.grpc;
  requires transitive dev.acitrace.grpc.client;
  requires transitive dev.acitrace.grpc.server;
  requires transitive io.opentelemetry.sdk;
  requires transitive io.opentelemetry.sdk.trace;

  exports dev.acitrace.bundle;
}
