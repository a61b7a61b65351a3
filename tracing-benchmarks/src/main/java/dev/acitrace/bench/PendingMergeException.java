package dev.acitrace.bench;

/**
 * Thrown by an {@code Ours*} adapter whose acitrace code is not merged into this branch yet. {@code bench/run}
 * asks {@link OursStatus} first and skips the acitrace variants while any adapter throws this.
 */
final class PendingMergeException extends UnsupportedOperationException {
  private static final long serialVersionUID = 1L;

  PendingMergeException(String adapter) {
    super(
        "pending merge: "
            + adapter
            + " is not filled in yet; see the FILL IN comment in that class and docs/benchmarks.md");
  }
}
