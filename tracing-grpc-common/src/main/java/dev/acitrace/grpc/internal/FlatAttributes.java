package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;

/**
 * Constant span attributes, also kept as parallel arrays so that they can be set on a recording span with
 * one direct {@link Span#setAttribute} call each.
 *
 * <p>{@link Span#setAllAttributes} does the same through {@code Attributes.forEach} with a lambda that
 * captures the span: an allocation per call, and a {@code forEach} call site that every {@code Attributes}
 * and {@code Baggage} iteration in the process shares, so the JIT sees it megamorphic and calls through
 * an interface dispatch per attribute. The direct calls here are monomorphic at each interceptor's call
 * site (one span implementation in practice) and inline.
 */
public final class FlatAttributes {

  private static final FlatAttributes EMPTY = new FlatAttributes(Attributes.empty());

  private final Attributes attributes;
  private final AttributeKey<Object>[] keys;
  private final Object[] values;

  @SuppressWarnings("unchecked")
  private FlatAttributes(Attributes attributes) {
    this.attributes = attributes;
    int size = attributes.size();
    this.keys = new AttributeKey[size];
    this.values = new Object[size];
    int[] at = {0};
    attributes.forEach((key, value) -> {
      keys[at[0]] = (AttributeKey<Object>) key;
      values[at[0]++] = value;
    });
  }

  /** {@code attributes} flattened. */
  public static FlatAttributes of(Attributes attributes) {
    requireNonNull(attributes, "attributes");
    return attributes.isEmpty() ? EMPTY : new FlatAttributes(attributes);
  }

  /** The attributes, e.g. for a span builder. */
  public Attributes attributes() {
    return attributes;
  }

  /** Sets every attribute on {@code span}, in the order of {@link Attributes#forEach}. */
  public void setOn(Span span) {
    AttributeKey<Object>[] k = keys;
    Object[] v = values;
    for (int i = 0; i < k.length; i++) {
      span.setAttribute(k[i], v[i]);
    }
  }
}
