package dev.acitrace.grpc.internal;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import dev.acitrace.api.TracingConfig;
import io.opentelemetry.api.common.AttributeKey;
import java.util.List;
import java.util.Locale;

/**
 * The RPC semantic-convention attribute keys acitrace writes, and which generation of them to write.
 *
 * <p>The RPC conventions are being reworked (semantic conventions 1.39+). As OpenTelemetry's migration
 * guide asks, the old attributes stay the default and {@code OTEL_SEMCONV_STABILITY_OPT_IN}
 * (property {@code otel.semconv-stability.opt-in}, a comma-separated list) opts in: {@code rpc} emits only
 * the new attributes, {@code rpc/dup} emits both.
 *
 * @see <a href="https://github.com/open-telemetry/semantic-conventions/blob/main/docs/non-normative/rpc-migration.md">RPC
 *     migration guide</a>
 */
public final class RpcSemconv {

  /** The configuration key of the opt-in list. */
  public static final String OPT_IN_KEY = "otel.semconv-stability.opt-in";

  /** Which attribute generation to emit. */
  public enum Mode {
    /** The conventions up to 1.37 (default). */
    OLD,
    /** The reworked conventions only ({@code rpc}). */
    NEW,
    /** Both ({@code rpc/dup}); where one key has two meanings ({@code rpc.method}) the new value wins. */
    DUP;

    /** Whether the old attributes are written. */
    public boolean emitOld() {
      return this != NEW;
    }

    /** Whether the new attributes are written. */
    public boolean emitNew() {
      return this != OLD;
    }

    /**
     * Reads {@value #OPT_IN_KEY} from {@code config}: {@code rpc/dup} wins over {@code rpc}; other entries
     * (e.g. {@code http}) are ignored.
     */
    public static Mode fromConfig(TracingConfig config) {
      List<String> optIn = config.getList(OPT_IN_KEY);
      Mode mode = OLD;
      for (String entry : optIn) {
        String value = entry.toLowerCase(Locale.ROOT);
        if (value.equals("rpc/dup")) {
          return DUP;
        }
        if (value.equals("rpc")) {
          mode = NEW;
        }
      }
      return mode;
    }
  }

  // Both generations.
  /** {@code package.Service/Method} in the new conventions, {@code Method} in the old. */
  public static final AttributeKey<String> RPC_METHOD = stringKey("rpc.method");
  /** Client: the server's host name, address, or socket path. */
  public static final AttributeKey<String> SERVER_ADDRESS = stringKey("server.address");
  /** Client: the server's port, when it has one. */
  public static final AttributeKey<Long> SERVER_PORT = longKey("server.port");
  /** Server: the caller's IP address, when the transport is IP. */
  public static final AttributeKey<String> NETWORK_PEER_ADDRESS = stringKey("network.peer.address");
  /** Server: the caller's port, when the transport is IP. */
  public static final AttributeKey<Long> NETWORK_PEER_PORT = longKey("network.peer.port");

  // Old generation.
  /** Old: the RPC system, {@code grpc}. */
  public static final AttributeKey<String> RPC_SYSTEM = stringKey("rpc.system");
  /** Old: {@code package.Service}. */
  public static final AttributeKey<String> RPC_SERVICE = stringKey("rpc.service");
  /** Old: the numeric gRPC status code. */
  public static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = longKey("rpc.grpc.status_code");
  /** Old: prefix of captured request metadata ({@code <prefix><key>}, string array). */
  public static final String RPC_GRPC_REQUEST_METADATA_PREFIX = "rpc.grpc.request.metadata.";
  /** Old: prefix of captured response metadata. */
  public static final String RPC_GRPC_RESPONSE_METADATA_PREFIX = "rpc.grpc.response.metadata.";

  // New generation.
  /** New: the RPC system, {@code grpc}. */
  public static final AttributeKey<String> RPC_SYSTEM_NAME = stringKey("rpc.system.name");
  /** New: the status code name ({@code NOT_FOUND}). */
  public static final AttributeKey<String> RPC_RESPONSE_STATUS_CODE = stringKey("rpc.response.status_code");
  /** New: the class of error the call ended with; for gRPC the status code name. */
  public static final AttributeKey<String> ERROR_TYPE = stringKey("error.type");
  /** New: prefix of captured request metadata. */
  public static final String RPC_REQUEST_METADATA_PREFIX = "rpc.request.metadata.";
  /** New: prefix of captured response metadata. */
  public static final String RPC_RESPONSE_METADATA_PREFIX = "rpc.response.metadata.";

  // Not part of the conventions; kept from the Go original, whose users query it.
  /** Call duration in whole milliseconds (the Go original's attribute). */
  public static final AttributeKey<Long> RPC_GRPC_DURATION_MS = longKey("rpc.grpc.duration_ms");

  // Message events (opt-in; deprecated upstream without replacement, still useful for streams).
  /** The message event name. */
  public static final String MESSAGE_EVENT = "rpc.message";
  /** Message event: {@code SENT} or {@code RECEIVED}. */
  public static final AttributeKey<String> MESSAGE_TYPE = stringKey("rpc.message.type");
  /** Message event: the message's 1-based number in its direction. */
  public static final AttributeKey<Long> MESSAGE_ID = longKey("rpc.message.id");

  /** The value of {@link #RPC_SYSTEM} / {@link #RPC_SYSTEM_NAME}. */
  public static final String GRPC = "grpc";

  private RpcSemconv() {}
}
