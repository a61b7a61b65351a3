package dev.acitrace.snapshotter.grpc;

import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotterClosedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The mapping between snapshotter failures and gRPC status codes, the same one containerd's
 * {@code errdefs.ToGRPC}/{@code FromGRPC} apply, so containerd sees the error the implementation meant.
 */
final class Errors {

  private static final Logger logger = Logger.getLogger(Errors.class.getName());
  /** Characters of a status description at most (percent-encoding may triple them on the wire). */
  static final int MAX_DESCRIPTION = 1024;

  private Errors() {}

  static StatusRuntimeException toStatus(RuntimeException e, String method) {
    Status status;
    if (e instanceof NotFoundException) {
      status = Status.NOT_FOUND;
    } else if (e instanceof AlreadyExistsException) {
      status = Status.ALREADY_EXISTS;
    } else if (e instanceof FailedPreconditionException) {
      status = Status.FAILED_PRECONDITION;
    } else if (e instanceof InvalidArgumentException) {
      status = Status.INVALID_ARGUMENT;
    } else if (e instanceof StatusRuntimeException remote) {
      // a snapshotter that is itself a gRPC client (SnapshotsClient): pass the remote status on
      return remote;
    } else if (e instanceof CancellationException) {
      // the caller went away (a walk stopped between batches): nobody reads this status
      status = Status.CANCELLED;
    } else if (e instanceof SnapshotterClosedException) {
      // the service is going away; any other IllegalStateException is a bug and falls through to INTERNAL
      status = Status.UNAVAILABLE;
    } else {
      // a bug or an I/O failure: log it here, where the stack trace is, and tell the caller enough
      logger.log(Level.WARNING, method + " failed", e);
      return Status.INTERNAL.withDescription(bounded(method + " failed: " + e)).asRuntimeException();
    }
    return status.withDescription(bounded(e.getMessage())).asRuntimeException();
  }

  /**
   * Keeps a description well inside the peer's trailer limit (8 KiB in grpc-java by default; a larger
   * trailer turns the status into INTERNAL). Messages of ours already quote untrusted input in bounded
   * form; this is the backstop for anything else (an exception of a delegate, say).
   */
  static String bounded(String description) {
    if (description == null || description.length() <= MAX_DESCRIPTION) {
      return description;
    }
    int end = MAX_DESCRIPTION;
    if (Character.isHighSurrogate(description.charAt(end - 1))) {
      end--;
    }
    return description.substring(0, end) + "... (" + description.length() + " chars)";
  }

  static RuntimeException fromStatus(StatusRuntimeException e) {
    String message = e.getStatus().getDescription() == null
        ? e.getStatus().getCode().toString()
        : e.getStatus().getDescription();
    return switch (e.getStatus().getCode()) {
      case NOT_FOUND -> new NotFoundException(message, e);
      case ALREADY_EXISTS -> new AlreadyExistsException(message, e);
      case FAILED_PRECONDITION -> new FailedPreconditionException(message, e);
      case INVALID_ARGUMENT -> new InvalidArgumentException(message, e);
      default -> e;
    };
  }
}
