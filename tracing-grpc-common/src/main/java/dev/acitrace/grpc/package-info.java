/**
 * What users of both gRPC interceptors pass to their builders: the rule that maps gRPC status codes to span
 * status ({@link dev.acitrace.grpc.StatusRule}). Everything else the two interceptors share (metadata
 * getter and setter, method cache, semantic-convention keys, the gRPC/OpenTelemetry context bridge, the
 * call lifecycle) is in the non-exported {@code dev.acitrace.grpc.internal}.
 */
package dev.acitrace.grpc;
