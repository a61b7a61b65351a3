package dev.acitrace.bundle;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/** A real OTLP http/protobuf trace receiver on 127.0.0.1 ({@code POST /v1/traces}), on the JDK's HTTP server. */
final class OtlpHttpReceiver implements AutoCloseable {

  private final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
  private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  OtlpHttpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        paths.add(exchange.getRequestURI().getPath());
        exchange.getRequestHeaders().forEach((name, values) ->
            lastHeaders.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
        InputStream body = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
          body = new GZIPInputStream(body);
        }
        if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
          received.addAll(ExportTraceServiceRequest.parseFrom(body).getResourceSpansList());
        } else {
          body.readAllBytes(); // e.g. /v1/metrics: accepted, not kept (an empty response is a valid one)
        }
        byte[] response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
        exchange.getResponseBody().write(response);
      }
    });
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<ReceivedSpan> spans() {
    return ReceivedSpan.from(received);
  }

  Map<String, String> lastHeaders() {
    return lastHeaders;
  }

  List<String> paths() {
    return paths;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
