package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InProcessHarnessTest {

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE =
      Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void module_isUnnamed_benchmarksRunOnTheClasspath() {
    // By design (docs/benchmarks.md): JMH's generated code and the three launch classpaths need no JPMS.
    assertThat(getClass().getModule().isNamed()).isFalse();
  }

  @Test
  void floor_unaryAndStreaming_answerWithoutSpans() {
    InProcessHarness harness = new InProcessHarness(GrpcTracingVariant.NONE, true);
    try {
      assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      List<byte[]> received = new ArrayList<>();
      assertThat(harness.serverStreaming(received::add)).isEqualTo(BenchRpc.STREAM_MESSAGES);
      assertThat(received).hasSize(100).allSatisfy(r -> assertThat(r).isEqualTo(BenchRpc.RESPONSE));
      assertThat(harness.exportedSpans()).isZero();
    } finally {
      harness.close();
    }
    assertThat(harness.isTerminated()).isTrue();
  }

  @Test
  void otelSampled_everyCall_exportsClientAndServerSpan() {
    try (InProcessHarness harness = new InProcessHarness(new OtelGrpcTracing(), true)) {
      for (int i = 0; i < 10; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.serverStreaming(r -> {})).isEqualTo(BenchRpc.STREAM_MESSAGES);
      assertThat(harness.exportedSpans()).isEqualTo(22);
    }
  }

  @Test
  void otelUnsampled_calls_exportNothing() {
    try (InProcessHarness harness = new InProcessHarness(new OtelGrpcTracing(), false)) {
      for (int i = 0; i < 10; i++) {
        assertThat(harness.unary()).isEqualTo(BenchRpc.RESPONSE);
      }
      assertThat(harness.exportedSpans()).isZero();
    }
  }

  @Test
  void otelSampled_call_carriesTraceparentAndTheThreeBaggageEntries() {
    HeaderSpy spy = new HeaderSpy();
    try (InProcessHarness harness = new InProcessHarness(spy, true)) {
      harness.unary();
    }
    assertThat(spy.traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    int flags = Integer.parseInt(spy.traceparent.substring(53), 16);
    assertThat(flags & 1).as("sampled flag of %s", spy.traceparent).isEqualTo(1);
    assertThat(spy.baggage.split(","))
        .extracting(member -> member.substring(0, member.indexOf('=')).trim())
        .containsExactlyInAnyOrder("request.id", "user.id", "image.name");
  }

  @Test
  void floorBenchmark_withContextStorageOverrideOnClasspath_refusesToStart() {
    // The test classpath carries OpenTelemetry's instrumentation jar, so this JVM is not bare gRPC.
    FloorBenchmark floor = new FloorBenchmark();
    assertThatThrownBy(floor::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(BareGrpcGuard.OVERRIDE)
        .hasMessageContaining("floor.txt");
  }

  @Test
  void otelBenchmark_streamingBenchmarkMethod_checksTheMessageCount() {
    OtelGrpcBenchmark benchmark = new OtelGrpcBenchmark();
    benchmark.sampled = true;
    benchmark.start();
    try {
      assertThat(benchmark.unary()).isEqualTo(BenchRpc.RESPONSE);
      assertThat(benchmark.serverStreaming()).isEqualTo(100 * BenchRpc.RESPONSE.length);
    } finally {
      benchmark.stop();
    }
  }

  /** OpenTelemetry's instrumentation plus an outermost server interceptor that records the wire headers. */
  private static final class HeaderSpy implements GrpcTracingVariant {
    private final OtelGrpcTracing otel = new OtelGrpcTracing();
    volatile String traceparent;
    volatile String baggage;

    @Override
    public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
      otel.instrumentServer(server, openTelemetry);
      server.intercept( // added last, so it runs first and sees the headers as they arrived
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
              traceparent = headers.get(TRACEPARENT);
              baggage = headers.get(BAGGAGE);
              return next.startCall(call, headers);
            }
          });
    }

    @Override
    public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
      otel.instrumentChannel(channel, openTelemetry);
    }
  }
}
