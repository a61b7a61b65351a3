/**
 * Machinery shared by acitrace's client and server interceptors: the call lifecycle core, the builder core,
 * the {@link io.grpc.Metadata} getter and setter, the method cache, the semantic-convention keys and the
 * gRPC/OpenTelemetry context bridge. Not for public use: exported only to {@code dev.acitrace.grpc.client}
 * and {@code dev.acitrace.grpc.server}, and free to change in any release.
 */
package dev.acitrace.grpc.internal;
