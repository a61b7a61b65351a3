/** Baggage helpers, standard keys, baggage codecs and the baggage-to-span-attributes enricher. */
module dev.acitrace.baggage {
  requires transitive dev.acitrace.api;

  exports dev.acitrace.baggage;
}
