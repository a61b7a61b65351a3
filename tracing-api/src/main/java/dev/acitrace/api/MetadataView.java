package dev.acitrace.api;

import java.util.Collections;

/**
 * A read-only view of RPC metadata (gRPC headers or trailers) that does not tie the SPIs to gRPC.
 * Keys are lower case. Binary ({@code -bin}) keys are not exposed as text.
 */
public interface MetadataView {

  /** An empty view. */
  MetadataView EMPTY = new MetadataView() {
    @Override
    public String get(String key) {
      return null;
    }

    @Override
    public Iterable<String> keys() {
      return Collections.emptyList();
    }
  };

  /** The last value of {@code key}, or {@code null} if absent or binary. */
  String get(String key);

  /** The keys present, lower case. */
  Iterable<String> keys();
}
