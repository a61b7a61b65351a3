/**
 * Test fixtures shared by the modules' tests and the reliability suite (not published):
 * {@link dev.acitrace.testing.TestTelemetry}, an SDK exporting to memory, and
 * {@link dev.acitrace.testing.EndCounting}, the "ended exactly once" checks that can fail, and
 * {@link dev.acitrace.testing.TestCalls}, calls the metrics tests drive, and
 * {@link dev.acitrace.testing.SilentCollector}, a collector that accepts connections and never answers.
 */
module dev.acitrace.testing {
  // the types in the fixtures' signatures
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.sdk;
  requires transitive io.opentelemetry.sdk.trace;
  requires transitive io.opentelemetry.sdk.testing;
  requires transitive io.grpc;
  requires transitive org.assertj.core; // TracesAssert (an AssertJ assert) in TestTelemetry's signatures

  requires io.grpc.stub;

  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk.common;

  exports dev.acitrace.testing;
}
