/** Test fixtures: an SDK exporting to memory whose spans count their {@code end()} calls. */
package dev.acitrace.testing;
