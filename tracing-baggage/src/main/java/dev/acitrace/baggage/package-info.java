/** Baggage helpers, standard keys, baggage codecs and the baggage-to-span-attributes enricher. */
package dev.acitrace.baggage;
