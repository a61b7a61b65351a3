package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.SpanNamerProvider;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Default span namer and enrichers come from {@link Providers}. The test-only providers are registered in
 * {@code src/test/resources/META-INF/services}: the classpath run (system property
 * {@code acitrace.test.classpath=true}) finds and uses them. On the module path the test classes are
 * patched into this named module, whose services come only from its module descriptor, so there the
 * same build finds no provider and must fall back to the defaults; both outcomes are asserted.
 */
class GrpcServerDiscoveryTest {

  private static final boolean CLASSPATH = Boolean.getBoolean("acitrace.test.classpath");

  private final TestTelemetry telemetry = new TestTelemetry();
  private final EchoService service = new EchoService("test.Echo");
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    service.close();
    telemetry.close();
  }

  private SpanData call(GrpcServerTracing tracing) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = tracing.applyTo(InProcessServerBuilder.forName(name).directExecutor()
        .addService(service.definition())).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    ClientCalls.blockingUnaryCall(channel, service.unary, CallOptions.DEFAULT, "ok");
    return telemetry.awaitSpans(1).get(0);
  }

  @Test
  void runsWhereTheBuildSaysItRuns() {
    assertThat(getClass().getModule().isNamed()).isEqualTo(!CLASSPATH);
  }

  @Test
  void defaults_comeFromDiscoveredProviders() throws Exception {
    SpanData span = call(GrpcServerTracing.builder(telemetry.sdk).config(TracingConfig.of(Map.of())).build());
    if (CLASSPATH) {
      assertThat(Providers.names(SpanNamerProvider.class)).contains("test-namer");
      assertThat(span).hasName("server:test.Echo/Unary")
          .hasAttribute(AttributeKey.stringKey("test.start"), "Unary")
          .hasAttribute(AttributeKey.stringKey("test.end"), "OK");
    } else {
      assertThat(Providers.names(SpanNamerProvider.class)).doesNotContain("test-namer");
      assertThat(Providers.names(AttributeEnricherProvider.class)).doesNotContain("test-enricher");
      assertThat(span).hasName("test.Echo/Unary");
      assertThat(span.getAttributes().get(AttributeKey.stringKey("test.start"))).isNull();
    }
  }

  @Test
  void disabledEnricher_isLeftOut() throws Exception {
    SpanData span = call(GrpcServerTracing.builder(telemetry.sdk)
        .config(TracingConfig.of(Map.of(AttributeEnricherProvider.DISABLED_KEY, "other, test-enricher")))
        .build());
    assertThat(span.getAttributes().get(AttributeKey.stringKey("test.start"))).isNull();
  }

  @Test
  void configuredNamer_selectedByName_orFailsListingWhatExists() throws Exception {
    TracingConfig config = TracingConfig.of(Map.of(SpanNamerProvider.CONFIG_KEY, "test-namer"));
    if (CLASSPATH) {
      assertThat(call(GrpcServerTracing.builder(telemetry.sdk).config(config).build()))
          .hasName("server:test.Echo/Unary");
    } else {
      assertThatThrownBy(() -> GrpcServerTracing.builder(telemetry.sdk).config(config).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("acitrace.span.namer=test-namer");
    }
  }
}
