package dev.acitrace.grpc;

// Skeleton only: replaced by the module's real classes in the issue that builds this module.
final class Skeleton {
  private Skeleton() {}
}
