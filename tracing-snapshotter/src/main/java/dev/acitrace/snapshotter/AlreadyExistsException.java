package dev.acitrace.snapshotter;

/**
 * A snapshot with the requested key or name already exists; gRPC {@code ALREADY_EXISTS}.
 */
public final class AlreadyExistsException extends SnapshotterException {

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the snapshot
   */
  public AlreadyExistsException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, naming the snapshot
   * @param cause the cause
   */
  public AlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
