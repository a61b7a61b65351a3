package dev.acitrace.snapshotter.storage;

/**
 * The store could not read or write its database. After a failed write the change may or may not be
 * durable (a failed fsync says nothing either way): callers must not undo side effects the change would
 * refer to, but leave them for a later cleanup to judge.
 */
public final class MetadataStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param cause the cause
   */
  public MetadataStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
