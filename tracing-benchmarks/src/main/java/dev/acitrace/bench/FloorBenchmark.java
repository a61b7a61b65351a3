package dev.acitrace.bench;

/**
 * The floor: bare gRPC, no interceptor. Refuses to run when OpenTelemetry's
 * {@code ContextStorageOverride} is on the classpath (see {@link BareGrpcGuard}).
 */
public class FloorBenchmark extends GrpcCallBenchmark {

  /** Fails before anything is measured when this JVM is not bare gRPC. */
  @Override
  void checkJvm() {
    BareGrpcGuard.requireBareGrpc(FloorBenchmark.class.getClassLoader());
  }

  @Override
  GrpcTracingVariant variant() {
    return GrpcTracingVariant.NONE;
  }

  @Override
  boolean sampled() {
    return false;
  }
}
