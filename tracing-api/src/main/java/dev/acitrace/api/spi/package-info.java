/**
 * The {@link java.util.ServiceLoader} extension points: span namers, attribute enrichers, exporter
 * providers and baggage codecs. Each provider interface extends {@link dev.acitrace.api.spi.NamedProvider}
 * so that configuration can pick an implementation by name and ties are broken by a declared order.
 */
package dev.acitrace.api.spi;
