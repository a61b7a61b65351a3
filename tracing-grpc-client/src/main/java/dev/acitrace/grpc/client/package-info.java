/**
 * Tracing for gRPC clients. {@link dev.acitrace.grpc.client.GrpcClientTracing} is the entry point; the
 * interceptor and call wrappers it creates are package-private.
 */
package dev.acitrace.grpc.client;
