package dev.acitrace.snapshotter;

/**
 * The snapshot (or parent) named in the request does not exist; gRPC {@code NOT_FOUND}.
 */
public final class NotFoundException extends SnapshotterException {

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the snapshot
   */
  public NotFoundException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed, naming the snapshot
   * @param cause the cause
   */
  public NotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
