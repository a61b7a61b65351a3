/**
 * One-call OpenTelemetry initialization: {@link dev.acitrace.bundle.Tracing#init()} and
 * {@link dev.acitrace.bundle.Tracing#init(TracingSettings)} return a {@link dev.acitrace.bundle.TracingHandle}
 * that exposes the configured {@link io.opentelemetry.api.OpenTelemetry}, counts exported, failed and
 * dropped spans, and flushes and shuts down on close.
 */
package dev.acitrace.bundle;
