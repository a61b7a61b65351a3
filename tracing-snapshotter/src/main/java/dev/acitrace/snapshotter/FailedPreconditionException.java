package dev.acitrace.snapshotter;

/**
 * The snapshot exists but is in the wrong state for the operation (e.g. removing a snapshot that
 * has children, committing a view); gRPC {@code FAILED_PRECONDITION}.
 */
public final class FailedPreconditionException extends SnapshotterException {

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the snapshot
   */
  public FailedPreconditionException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, naming the snapshot
   * @param cause the cause
   */
  public FailedPreconditionException(String message, Throwable cause) {
    super(message, cause);
  }
}
