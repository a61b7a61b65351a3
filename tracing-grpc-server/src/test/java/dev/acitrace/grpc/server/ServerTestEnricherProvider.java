package dev.acitrace.grpc.server;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import io.opentelemetry.api.trace.Span;

/** Test-only enricher, registered in test resources: adds {@code test.start} and {@code test.end}. */
public final class ServerTestEnricherProvider implements AttributeEnricherProvider {

  /** The ServiceLoader constructor. */
  public ServerTestEnricherProvider() {}

  @Override
  public String name() {
    return "test-enricher";
  }

  @Override
  public AttributeEnricher create(TracingConfig config) {
    return new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {
        span.setAttribute("test.start", request.method().method());
      }

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        span.setAttribute("test.end", response.statusName());
      }
    };
  }
}
