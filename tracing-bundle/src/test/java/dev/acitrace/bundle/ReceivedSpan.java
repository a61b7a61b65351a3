package dev.acitrace.bundle;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One span as an OTLP receiver got it, flattened with its resource, in the shape tests assert on. */
record ReceivedSpan(String name, String traceId, String spanId, String parentSpanId, Span.SpanKind kind,
    Map<String, String> attributes, Map<String, String> resource) {

  static List<ReceivedSpan> from(List<ResourceSpans> batches) {
    List<ReceivedSpan> spans = new ArrayList<>();
    for (ResourceSpans resourceSpans : batches) {
      Map<String, String> resource = attributes(resourceSpans.getResource().getAttributesList());
      for (ScopeSpans scope : resourceSpans.getScopeSpansList()) {
        for (Span span : scope.getSpansList()) {
          spans.add(new ReceivedSpan(span.getName(), hex(span.getTraceId().toByteArray()),
              hex(span.getSpanId().toByteArray()), hex(span.getParentSpanId().toByteArray()),
              span.getKind(), attributes(span.getAttributesList()), resource));
        }
      }
    }
    return spans;
  }

  private static Map<String, String> attributes(List<KeyValue> keyValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (KeyValue kv : keyValues) {
      map.put(kv.getKey(), text(kv.getValue()));
    }
    return map;
  }

  private static String text(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE: return value.getStringValue();
      case INT_VALUE: return Long.toString(value.getIntValue());
      case BOOL_VALUE: return Boolean.toString(value.getBoolValue());
      case DOUBLE_VALUE: return Double.toString(value.getDoubleValue());
      default: return value.toString();
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
