/**
 * Not for public use: the exporter providers ({@code otlp}, {@code console}, {@code none}), the console
 * trace printer and the grpc-java sender for OpenTelemetry's OTLP exporter. They are public only because
 * {@link java.util.ServiceLoader} needs them to be; use them by name through configuration.
 */
package dev.acitrace.bundle.internal;
