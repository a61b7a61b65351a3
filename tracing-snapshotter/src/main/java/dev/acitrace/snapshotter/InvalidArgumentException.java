package dev.acitrace.snapshotter;

/**
 * The request itself is wrong (e.g. an empty key, a malformed filter, a parent that is not
 * committed); gRPC {@code INVALID_ARGUMENT}.
 */
public final class InvalidArgumentException extends SnapshotterException {

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the snapshot
   */
  public InvalidArgumentException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, naming the snapshot
   * @param cause the cause
   */
  public InvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }
}
