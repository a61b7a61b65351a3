/** Tracing for gRPC servers. */
package dev.acitrace.grpc.server;
