/**
 * Tracing for gRPC clients: {@link dev.acitrace.grpc.client.GrpcClientTracing} builds a client interceptor
 * that starts a {@code CLIENT} span per call and injects context and baggage with the OpenTelemetry
 * instance's propagators. Span namers and attribute enrichers are discovered through
 * {@code dev.acitrace.api.internal.Providers} when the interceptor is built.
 */
module dev.acitrace.grpc.client {
  requires transitive dev.acitrace.grpc;

  requires java.logging;

  exports dev.acitrace.grpc.client;
}
