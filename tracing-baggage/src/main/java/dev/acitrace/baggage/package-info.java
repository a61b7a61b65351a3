/**
 * Baggage for acitrace. {@link dev.acitrace.baggage.BaggageContext} sets and reads baggage on an
 * OpenTelemetry {@code Context} ({@link dev.acitrace.baggage.BaggageKeys} names the standard keys);
 * {@link dev.acitrace.baggage.W3CBaggageCodec} and {@link dev.acitrace.baggage.PrefixedBaggageCodec} put it on
 * the wire within {@link dev.acitrace.baggage.BaggageLimits}; {@link dev.acitrace.baggage.AciBaggagePropagator}
 * plugs the selected codec into OpenTelemetry propagation; and
 * {@link dev.acitrace.baggage.BaggageAttributeEnricherProvider} copies allowed entries onto RPC spans.
 */
package dev.acitrace.baggage;
