/**
 * JMH benchmarks of the per-call cost of tracing a gRPC call: bare gRPC (the floor), OpenTelemetry's
 * {@code opentelemetry-grpc-1.6} instrumentation, and acitrace, on one in-process unary call and one
 * 100-message server-streaming call; plus the baggage codec against OpenTelemetry's
 * {@code W3CBaggagePropagator}.
 *
 * <p>Each variant group runs in its own JMH launch with its own classpath (see {@code bench/run} and
 * {@code docs/benchmarks.md}): OpenTelemetry's instrumentation jar carries
 * {@code io.grpc.override.ContextStorageOverride}, which changes how every {@code io.grpc.Context} in the JVM
 * is stored, so a floor measured next to it would not be bare gRPC. {@link dev.acitrace.bench.BareGrpcGuard}
 * makes the floor refuse to run when that class is visible.
 *
 * <p>The classes whose names start with {@code Ours} are the adapters to acitrace's interceptors and codec.
 * Not a published artifact; runs on the classpath (no module-info).
 */
package dev.acitrace.bench;
