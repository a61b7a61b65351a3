/**
 * Not for public use: the exporter providers ({@code otlp}, {@code console}, {@code none}), the console
 * trace printer, the grpc-java sender for OpenTelemetry's OTLP exporter, and the configuration probe
 * ({@code TracingProbe}, launched by name). They are public only because {@link java.util.ServiceLoader}
 * and the launcher need them to be; use them by name through configuration.
 */
package dev.acitrace.bundle.internal;
