package dev.acitrace.bench;

import io.grpc.Metadata;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.HashMap;
import java.util.Map;

/**
 * gRPC {@link Metadata} as a carrier for one propagator's fields, each {@link Metadata.Key} built once (as any
 * careful library would): the setter and getter of the benchmarks' hand-written minimal variants.
 */
final class MetadataCarrier {

  private final Map<String, Metadata.Key<String>> keys = new HashMap<>();

  final TextMapSetter<Metadata> setter =
      (carrier, key, value) -> {
        Metadata.Key<String> k = keys.get(key);
        if (carrier != null && k != null) {
          carrier.put(k, value);
        }
      };

  final TextMapGetter<Metadata> getter =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
          Metadata.Key<String> k = keys.get(key);
          return carrier == null || k == null ? null : carrier.get(k);
        }
      };

  MetadataCarrier(TextMapPropagator propagator) {
    for (String field : propagator.fields()) {
      keys.put(field, Metadata.Key.of(field, Metadata.ASCII_STRING_MARSHALLER));
    }
  }
}
