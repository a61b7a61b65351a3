/**
 * Baggage for acitrace. {@link dev.acitrace.baggage.BaggageContext} sets and reads baggage on an
 * OpenTelemetry {@code Context} ({@link dev.acitrace.baggage.BaggageKeys} names the standard keys);
 * {@link dev.acitrace.baggage.W3CBaggageCodec} and {@link dev.acitrace.baggage.PrefixedBaggageCodec} put it on
 * the wire within {@link dev.acitrace.baggage.BaggageLimits}; {@link dev.acitrace.baggage.AciBaggagePropagator}
 * plugs the selected codec into OpenTelemetry propagation. The {@code baggage} attribute enricher, which
 * copies allowed entries onto RPC spans, and the codecs' providers are found by name through
 * configuration and live in the non-exported {@code dev.acitrace.baggage.internal}.
 */
package dev.acitrace.baggage;
