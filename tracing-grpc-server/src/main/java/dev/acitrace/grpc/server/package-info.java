/**
 * Tracing for gRPC servers. {@link dev.acitrace.grpc.server.GrpcServerTracing} is the entry point;
 * {@link dev.acitrace.grpc.server.RequestIdServerInterceptor} holds the request-id policy and also works as
 * an interceptor on its own. The tracing interceptor, call and listener wrappers are package-private.
 */
package dev.acitrace.grpc.server;
