package dev.acitrace.api.spi;

import dev.acitrace.api.MetadataView;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import io.opentelemetry.context.Context;

/** What an {@link AttributeEnricher} sees when a span starts. Valid only during the callback. */
public interface RpcRequestInfo {

  RpcMethod method();

  RpcSide side();

  /**
   * The context the span was started in: on a client, the caller's current context; on a server, the
   * context extracted from the request (remote parent and baggage). Read baggage from here.
   */
  Context parentContext();

  /** The request headers: as sent on a client (after injection), as received on a server. */
  MetadataView requestMetadata();
}
