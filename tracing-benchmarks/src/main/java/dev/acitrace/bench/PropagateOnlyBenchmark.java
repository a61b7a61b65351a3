package dev.acitrace.bench;

/**
 * W3C {@code traceparent} + {@code baggage} injected and extracted through OpenTelemetry's propagators, no
 * spans, no interceptors of acitrace's ({@link PropagateOnlyTracing}): what any tracing library must at
 * least do for an unsampled call. Runs on the floor's classpath (bare gRPC, see {@link BareGrpcGuard}).
 */
public class PropagateOnlyBenchmark extends GrpcCallBenchmark {

  @Override
  void checkJvm() {
    BareGrpcGuard.requireBareGrpc(PropagateOnlyBenchmark.class.getClassLoader());
  }

  @Override
  GrpcTracingVariant variant() {
    return new PropagateOnlyTracing();
  }

  @Override
  boolean sampled() {
    return false;
  }
}
