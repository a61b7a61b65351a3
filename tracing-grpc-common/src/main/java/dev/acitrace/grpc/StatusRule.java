package dev.acitrace.grpc;

import io.grpc.Status;
import java.util.EnumSet;
import java.util.Set;

/**
 * Decides which gRPC status codes mark a span's status ERROR. Codes that are not errors still appear in
 * the status-code attribute; the span status stays UNSET. Interceptors evaluate the rule once per code
 * when they are built, so it must depend only on its argument.
 */
@FunctionalInterface
public interface StatusRule {

  /**
   * The server-side rule of the RPC semantic conventions: only codes that say the server failed
   * ({@code UNKNOWN}, {@code DEADLINE_EXCEEDED}, {@code UNIMPLEMENTED}, {@code INTERNAL},
   * {@code UNAVAILABLE}, {@code DATA_LOSS}). A caller's mistake ({@code NOT_FOUND}, {@code INVALID_ARGUMENT},
   * ...) is not the server's error.
   */
  StatusRule SERVER_FAULTS = new StatusRule() {
    private final Set<Status.Code> faults = EnumSet.of(Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED,
        Status.Code.UNIMPLEMENTED, Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);

    @Override
    public boolean isError(Status.Code code) {
      return faults.contains(code);
    }

    @Override
    public String toString() {
      return "StatusRule.SERVER_FAULTS";
    }
  };

  /** Every code but {@code OK} is an error: the client-side rule, and an option for servers. */
  StatusRule ALL_NON_OK = new StatusRule() {
    @Override
    public boolean isError(Status.Code code) {
      return code != Status.Code.OK;
    }

    @Override
    public String toString() {
      return "StatusRule.ALL_NON_OK";
    }
  };

  /** Whether a call that ended with {@code code} marks its span ERROR. Never called with {@code OK}. */
  boolean isError(Status.Code code);
}
