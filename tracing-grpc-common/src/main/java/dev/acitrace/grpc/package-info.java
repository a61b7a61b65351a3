/**
 * gRPC glue that acitrace's client and server interceptors share and that applications may use directly:
 * OpenTelemetry getter and setter for {@link io.grpc.Metadata} ({@link dev.acitrace.grpc.GrpcMetadata}),
 * cached {@link dev.acitrace.api.RpcMethod}s of method descriptors ({@link dev.acitrace.grpc.RpcMethods}),
 * the RPC semantic-convention keys and their opt-in ({@link dev.acitrace.grpc.RpcSemconv}), the rule that
 * maps status codes to span status ({@link dev.acitrace.grpc.StatusRule}) and the bridge between gRPC's and
 * OpenTelemetry's contexts ({@link dev.acitrace.grpc.GrpcContextBridge}), and the binary
 * {@code grpc-trace-bin} trace-context propagator of OpenCensus and gRPC ({@link dev.acitrace.grpc.GrpcTraceBinPropagator}).
 */
package dev.acitrace.grpc;
