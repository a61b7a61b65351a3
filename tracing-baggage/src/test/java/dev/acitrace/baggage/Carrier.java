package dev.acitrace.baggage;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A header multimap, as gRPC metadata and HTTP headers are: names in insertion order, several values each. */
final class Carrier {

  static final TextMapSetter<Carrier> SETTER = Carrier::add;

  static final TextMapGetter<Carrier> GETTER = new TextMapGetter<>() {
    @Override
    @SuppressWarnings("deprecation") // still the only way to list headers; the prefixed codec needs it
    public Iterable<String> keys(Carrier carrier) {
      return carrier.headers.keySet();
    }

    @Override
    public String get(Carrier carrier, String key) {
      List<String> values = carrier == null ? null : carrier.headers.get(key);
      return values == null ? null : values.get(values.size() - 1);
    }

    @Override
    public Iterator<String> getAll(Carrier carrier, String key) {
      List<String> values = carrier == null ? null : carrier.headers.get(key);
      return values == null ? List.<String>of().iterator() : values.iterator();
    }
  };

  final Map<String, List<String>> headers = new LinkedHashMap<>();

  static Carrier of(String... namesAndValues) {
    Carrier carrier = new Carrier();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      carrier.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return carrier;
  }

  Carrier add(String name, String value) {
    headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    return this;
  }

  /** All header bytes (names and values), as a proxy for what goes on the wire. */
  int size() {
    int size = 0;
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      for (String value : header.getValue()) {
        size += header.getKey().length() + value.length();
      }
    }
    return size;
  }

  @Override
  public String toString() {
    return headers.toString();
  }
}
