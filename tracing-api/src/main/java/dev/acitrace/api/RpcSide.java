package dev.acitrace.api;

/** Which end of an RPC a span describes. */
public enum RpcSide {
  /** The caller; its span has kind {@code CLIENT}. */
  CLIENT,
  /** The callee; its span has kind {@code SERVER}. */
  SERVER
}
