package dev.acitrace.bundle;

// Skeleton only: replaced by the module's real classes in the issue that builds this module.
final class Skeleton {
  private Skeleton() {}
}
