/**
 * Machinery shared by acitrace's client and server interceptors. Not for public use: exported only to
 * {@code dev.acitrace.grpc.client} and {@code dev.acitrace.grpc.server}, and free to change in any release.
 */
package dev.acitrace.grpc.internal;
