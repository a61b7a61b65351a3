package dev.acitrace.bench;

/**
 * Makes sure the floor is bare gRPC. grpc-java looks up {@value #OVERRIDE} once, and when it exists (the
 * OpenTelemetry gRPC instrumentation jar ships one) every {@code io.grpc.Context} of the JVM lives inside
 * OpenTelemetry's context: measured here at about 1 microsecond and 1.2 KB more per in-process unary call.
 * A floor measured with it would hide that much of OpenTelemetry's cost.
 */
final class BareGrpcGuard {

  /** The class grpc-java's {@code io.grpc.Context} loads reflectively to replace its storage. */
  static final String OVERRIDE = "io.grpc.override.ContextStorageOverride";

  private BareGrpcGuard() {}

  /** Whether {@value #OVERRIDE} is visible to {@code loader}, i.e. gRPC's context storage is replaced. */
  static boolean contextStorageOverridden(ClassLoader loader) {
    try {
      Class.forName(OVERRIDE, false, loader);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /**
   * Fails when gRPC's context storage is overridden in this JVM.
   *
   * @throws IllegalStateException naming the class and how the floor must be launched
   */
  static void requireBareGrpc(ClassLoader loader) {
    if (contextStorageOverridden(loader)) {
      throw new IllegalStateException(
          OVERRIDE
              + " is on the classpath, so io.grpc.Context storage is replaced and this is not bare"
              + " gRPC; run the floor with target/bench-classpath/floor.txt (bench/run does)");
    }
  }
}
