/**
 * Not for public use: the baggage module's {@link java.util.ServiceLoader} providers (the {@code w3c} and
 * {@code prefixed} codecs, the {@code baggage} attribute enricher) and the enricher itself. They are public
 * only because ServiceLoader needs them to be; select them by name through configuration.
 */
package dev.acitrace.baggage.internal;
