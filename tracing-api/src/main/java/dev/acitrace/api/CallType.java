package dev.acitrace.api;

/** The four gRPC call shapes, named as gRPC's {@code MethodDescriptor.MethodType} names them. */
public enum CallType {
  UNARY,
  CLIENT_STREAMING,
  SERVER_STREAMING,
  BIDI_STREAMING,
  /** The transport did not say (e.g. a method unknown to a generic handler). */
  UNKNOWN;

  /** Whether the client sends exactly one message. */
  public boolean clientSendsOne() {
    return this == UNARY || this == SERVER_STREAMING;
  }

  /** Whether the server sends exactly one message. */
  public boolean serverSendsOne() {
    return this == UNARY || this == CLIENT_STREAMING;
  }
}
