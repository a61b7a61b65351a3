package dev.acitrace.snapshotter;

/**
 * The snapshotter has been closed, so the service is going away; gRPC {@code UNAVAILABLE}. It is an
 * {@link IllegalStateException} (calling a closed object), but the only one the gRPC service reports as
 * UNAVAILABLE: any other illegal state is a bug, reported as INTERNAL and logged.
 */
public final class SnapshotterClosedException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is closed
   */
  public SnapshotterClosedException(String message) {
    super(message);
  }
}
