package dev.acitrace.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // scopes are opened for their effect
class GrpcContextBridgeTest {

  private final Context carried = Context.root().with(Baggage.builder().put("k", "carried").build());

  @Test
  void current_rootOpenTelemetryContext_fallsBackToTheOneInGrpcContext() throws Exception {
    assertThat(GrpcContextBridge.current()).isSameAs(Context.root());
    io.grpc.Context grpc = GrpcContextBridge.withOpenTelemetry(io.grpc.Context.ROOT, carried);
    assertThat(GrpcContextBridge.fromGrpc(grpc)).isSameAs(carried);
    assertThat(grpc.call(GrpcContextBridge::current)).isSameAs(carried);
  }

  @Test
  void current_openTelemetryContextSet_winsOverGrpcContext() throws Exception {
    io.grpc.Context grpc = GrpcContextBridge.withOpenTelemetry(io.grpc.Context.ROOT, carried);
    Context own = Context.root().with(Baggage.builder().put("k", "own").build());
    try (Scope ignored = own.makeCurrent()) {
      // (with grpc-context-override-opentelemetry the result is own plus gRPC's context, so compare contents)
      assertThat(Baggage.fromContext(grpc.call(GrpcContextBridge::current)).getEntryValue("k")).isEqualTo("own");
    }
  }
}
