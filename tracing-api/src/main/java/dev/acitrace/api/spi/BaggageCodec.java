package dev.acitrace.api.spi;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * Writes baggage into, and reads it from, a carrier of text headers. Called on every traced call: on
 * the client to inject, on the server to extract.
 *
 * <p>Contract: {@link #extract} never throws; malformed members are skipped and valid ones kept; limits are
 * applied by dropping whole members, never by truncating one. {@link #inject} writes nothing for an
 * empty baggage.
 */
public interface BaggageCodec {

  /** The header names this codec writes (for a prefix codec, the names written so far may vary). */
  Collection<String> fields();

  /** Writes {@code baggage} into {@code carrier}. */
  <C> void inject(Baggage baggage, C carrier, TextMapSetter<C> setter);

  /** Reads baggage from {@code carrier}; {@link Baggage#empty()} when there is none. Never throws. */
  <C> Baggage extract(C carrier, TextMapGetter<C> getter);
}
