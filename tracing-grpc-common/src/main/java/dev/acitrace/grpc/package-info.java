/**
 * What users of both gRPC interceptors pass to their builders: the rule that maps gRPC status codes to span
 * status ({@link dev.acitrace.grpc.StatusRule}); and the binary {@code grpc-trace-bin} trace-context
 * propagator of OpenCensus and gRPC ({@link dev.acitrace.grpc.GrpcTraceBinPropagator}), for the
 * {@code OpenTelemetry} users build. Everything else the two interceptors share (metadata getter and setter,
 * method cache, semantic-convention keys, the gRPC/OpenTelemetry context bridge, the call lifecycle) is in
 * the non-exported {@code dev.acitrace.grpc.internal}.
 */
package dev.acitrace.grpc;
