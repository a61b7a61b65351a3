/** gRPC glue shared by the client and server interceptors. */
package dev.acitrace.grpc;
