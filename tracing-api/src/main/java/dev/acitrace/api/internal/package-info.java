/**
 * Not for public use: provider discovery shared by acitrace's modules, exported only to them. Configure
 * providers by name instead (see {@link dev.acitrace.api.spi}).
 */
package dev.acitrace.api.internal;
