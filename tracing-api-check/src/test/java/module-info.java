/**
 * The API check (test-only, not published): its tests run as this module on the module path, next to the
 * published modules it requires, and list each one's exported API from its compiled classes.
 */
open module dev.acitrace.apicheck {
  // every published module, so that each is resolved in the test's module graph and can be listed
  requires dev.acitrace.api;
  requires dev.acitrace.baggage;
  requires dev.acitrace.grpc;
  requires dev.acitrace.grpc.client;
  requires dev.acitrace.grpc.server;
  requires dev.acitrace.bundle;
  requires dev.acitrace.snapshotter;

  requires org.assertj.core;
  requires org.junit.jupiter.api;
}
