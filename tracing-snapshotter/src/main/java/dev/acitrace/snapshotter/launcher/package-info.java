/**
 * The snapshotter as a program: {@code serve} (a containerd proxy snapshotter on a unix socket) and
 * {@code demo} (one traced scenario, printed as a trace tree). Not exported: run it with
 * {@code java -m dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main} or {@code bin/snapshotter}.
 */
package dev.acitrace.snapshotter.launcher;
