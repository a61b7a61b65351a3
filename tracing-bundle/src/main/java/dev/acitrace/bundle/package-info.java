/** Every acitrace module in one dependency, and the one-call OpenTelemetry initialization. */
package dev.acitrace.bundle;
