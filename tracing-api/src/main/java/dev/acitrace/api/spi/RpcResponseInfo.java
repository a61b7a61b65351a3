package dev.acitrace.api.spi;

import dev.acitrace.api.MetadataView;

/** What an {@link AttributeEnricher} sees when a span ends. Valid only during the callback. */
public interface RpcResponseInfo {

  /** The gRPC status code as its number (0 = OK). */
  int statusCode();

  /** The gRPC status code's name ({@code OK}, {@code NOT_FOUND}, ...). */
  String statusName();

  /** The status description, or {@code null}. */
  String statusDescription();

  /** The error that ended the call (the status cause, or what a handler threw), or {@code null}. */
  Throwable error();

  /** The response trailers (client: as received; server: as sent); empty when the call had none. */
  MetadataView trailers();
}
