/**
 * Not for public use: what the module's packages share and no user needs (not exported).
 */
package dev.acitrace.snapshotter.internal;
