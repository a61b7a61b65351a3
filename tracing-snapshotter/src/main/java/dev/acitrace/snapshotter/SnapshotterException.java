package dev.acitrace.snapshotter;

/**
 * The common base of the failures a {@link Snapshotter} reports to its caller. Each subclass maps to
 * one gRPC status code (and one containerd {@code errdefs} error), so callers across the wire see the
 * same failure the implementation raised.
 */
public abstract class SnapshotterException extends RuntimeException {

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the snapshot
   */
  protected SnapshotterException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, naming the snapshot
   * @param cause the cause
   */
  protected SnapshotterException(String message, Throwable cause) {
    super(message, cause);
  }
}
