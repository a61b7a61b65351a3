/** Tracing for gRPC clients. */
package dev.acitrace.grpc.client;
