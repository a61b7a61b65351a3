package dev.acitrace.grpc.internal;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.acitrace.api.CallType;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.grpc.StatusRule;
import io.grpc.Status;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RpcMetrics} recorded straight into the SDK's in-memory metric reader. */
class RpcMetricsTest {

  private static final RpcMethod ECHO = new RpcMethod("acme.Echo/Say", "acme.Echo", "Say", CallType.UNARY);
  private static final Attributes SERVER = Attributes.of(RpcSemconv.SERVER_ADDRESS, "echo.local",
      RpcSemconv.SERVER_PORT, 8443L);

  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
      .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
          .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(
              io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create()))
          .build())
      .build();

  @AfterEach
  void close() {
    sdk.close();
  }

  private RpcMetrics metrics(RpcSide side, RpcSemconv.Mode mode, AttributeEnricher... enrichers) {
    StatusRule rule = side == RpcSide.CLIENT ? StatusRule.ALL_NON_OK : StatusRule.SERVER_FAULTS;
    return RpcMetrics.create(sdk, "test", side, mode, rule::isError, List.of(enrichers));
  }

  private Map<String, MetricData> collect() {
    Collection<MetricData> all = reader.collectAllMetrics();
    return all.stream().collect(Collectors.toMap(MetricData::getName, Function.identity()));
  }

  @Test
  void oldConventions_client_durationInMs_countsPerRpc_sizesWhenKnown_withTheOldAttributes() {
    RpcMetrics metrics = metrics(RpcSide.CLIENT, RpcSemconv.Mode.OLD);
    metrics.method(ECHO, true).record(SERVER, Status.Code.OK, 3_000_000, 1, 4, 12, 400, Context.root());

    Map<String, MetricData> data = collect();
    assertThat(data.keySet()).containsExactlyInAnyOrder("rpc.client.duration", "rpc.client.requests_per_rpc",
        "rpc.client.responses_per_rpc", "rpc.client.request.size", "rpc.client.response.size");
    Attributes expected = Attributes.builder().put("rpc.system", "grpc").put("rpc.service", "acme.Echo")
        .put("rpc.method", "Say").put("rpc.grpc.status_code", 0L)
        .put("server.address", "echo.local").put("server.port", 8443L).build();
    assertThat(data.get("rpc.client.duration")).hasUnit("ms").hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(expected).hasCount(1).hasSum(3.0)));
    assertThat(data.get("rpc.client.requests_per_rpc")).hasUnit("{count}").hasHistogramSatisfying(
        h -> h.hasPointsSatisfying(p -> p.hasAttributes(expected).hasSum(1)));
    assertThat(data.get("rpc.client.responses_per_rpc")).hasHistogramSatisfying(
        h -> h.hasPointsSatisfying(p -> p.hasSum(4)));
    assertThat(data.get("rpc.client.request.size")).hasUnit("By").hasHistogramSatisfying(
        h -> h.hasPointsSatisfying(p -> p.hasAttributes(expected).hasSum(12)));
    assertThat(data.get("rpc.client.response.size")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(p -> p.hasSum(400)));
  }

  @Test
  void oldConventions_unknownSizes_areNotRecorded() {
    metrics(RpcSide.SERVER, RpcSemconv.Mode.OLD).method(ECHO, true)
        .record(Attributes.empty(), Status.Code.OK, 1_000_000, 1, 1, -1, -1, Context.root());
    assertThat(collect().keySet()).containsExactlyInAnyOrder("rpc.server.duration", "rpc.server.requests_per_rpc",
        "rpc.server.responses_per_rpc");
  }

  @Test
  void wantsSizes_onlyWhenTheOldConventionsAreEmitted() {
    // the new conventions define no size metrics: no stream tracer is installed to measure them
    assertThat(metrics(RpcSide.CLIENT, RpcSemconv.Mode.OLD).wantsSizes()).isTrue();
    assertThat(metrics(RpcSide.SERVER, RpcSemconv.Mode.DUP).wantsSizes()).isTrue();
    assertThat(metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW).wantsSizes()).isFalse();
  }

  @Test
  void newConventions_server_failure_hasErrorType_durationInSeconds_advisedBuckets() {
    RpcMetrics metrics = metrics(RpcSide.SERVER, RpcSemconv.Mode.NEW);
    RpcMetrics.MethodMetrics echo = metrics.method(ECHO, true);
    echo.record(Attributes.empty(), Status.Code.INTERNAL, 250_000_000, 1, 0, -1, -1, Context.root());
    echo.record(Attributes.empty(), Status.Code.NOT_FOUND, 1_000_000, 1, 0, -1, -1, Context.root());

    Map<String, MetricData> data = collect();
    assertThat(data.keySet()).containsExactly("rpc.server.call.duration");
    assertThat(data.get("rpc.server.call.duration")).hasUnit("s").hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(Attributes.builder().put("rpc.system.name", "grpc").put("rpc.method", "acme.Echo/Say")
                .put("rpc.response.status_code", "INTERNAL").put("error.type", "INTERNAL").build())
            .hasSum(0.25).hasBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
                7.5, 10.0),
        // NOT_FOUND is the caller's fault: not an error on the server (the status rule), so no error.type
        p -> p.hasAttributes(Attributes.builder().put("rpc.system.name", "grpc").put("rpc.method", "acme.Echo/Say")
            .put("rpc.response.status_code", "NOT_FOUND").build()).hasSum(0.001)));
  }

  @Test
  void newConventions_client_everyNonOkIsAnError_andCarriesTheServer() {
    metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW).method(ECHO, true)
        .record(SERVER, Status.Code.NOT_FOUND, 1_000_000, 1, 0, -1, -1, Context.root());
    assertThat(collect().get("rpc.client.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributesSatisfyingExactly(equalTo(stringKey("rpc.system.name"), "grpc"),
            equalTo(stringKey("rpc.method"), "acme.Echo/Say"),
            equalTo(stringKey("rpc.response.status_code"), "NOT_FOUND"),
            equalTo(stringKey("error.type"), "NOT_FOUND"),
            equalTo(stringKey("server.address"), "echo.local"), equalTo(longKey("server.port"), 8443L))));
  }

  @Test
  void dup_recordsBothGenerations_eachWithItsOwnAttributes() {
    metrics(RpcSide.SERVER, RpcSemconv.Mode.DUP).method(ECHO, true)
        .record(Attributes.empty(), Status.Code.OK, 1_000_000, 1, 1, -1, -1, Context.root());
    Map<String, MetricData> data = collect();
    assertThat(data.keySet()).contains("rpc.server.call.duration", "rpc.server.duration");
    assertThat(data.get("rpc.server.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(Attributes.builder().put("rpc.system", "grpc").put("rpc.service", "acme.Echo")
            .put("rpc.method", "Say").put("rpc.grpc.status_code", 0L).build())));
    assertThat(data.get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttributes(Attributes.builder().put("rpc.system.name", "grpc").put("rpc.method", "acme.Echo/Say")
            .put("rpc.response.status_code", "OK").build())));
  }

  @Test
  void sampledCall_getsAnExemplarPointingAtItsSpan_unsampledIsRecordedWithout() {
    RpcMetrics.MethodMetrics echo = metrics(RpcSide.SERVER, RpcSemconv.Mode.NEW).method(ECHO, true);
    Span span = sdk.getTracer("t").spanBuilder("call").startSpan();
    assertThat(span.getSpanContext().isSampled()).isTrue();
    echo.record(Attributes.empty(), Status.Code.OK, 1_000_000, 1, 1, -1, -1, Context.root().with(span));
    span.end();
    echo.record(Attributes.empty(), Status.Code.OK, 1_000_000, 1, 1, -1, -1,
        Context.root().with(Span.wrap(io.opentelemetry.api.trace.SpanContext.create(
            "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", io.opentelemetry.api.trace.TraceFlags.getDefault(),
            io.opentelemetry.api.trace.TraceState.getDefault()))));

    assertThat(collect().get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(2).hasExemplarsSatisfying(e -> e.hasTraceId(span.getSpanContext().getTraceId())
            .hasSpanId(span.getSpanContext().getSpanId()))));
  }

  @Test
  void oldConventions_exemplarOnTheDurationOnly_notOnMessageCountsOrSizes() {
    RpcMetrics.MethodMetrics echo = metrics(RpcSide.SERVER, RpcSemconv.Mode.OLD).method(ECHO, true);
    Span span = sdk.getTracer("t").spanBuilder("call").startSpan();
    echo.record(Attributes.empty(), Status.Code.OK, 1_000_000, 1, 1, 5, 7, Context.root().with(span));
    span.end();

    Map<String, MetricData> data = collect();
    assertThat(data.get("rpc.server.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasExemplarsSatisfying(e -> e.hasSpanId(span.getSpanContext().getSpanId()))));
    for (String name : List.of("rpc.server.requests_per_rpc", "rpc.server.responses_per_rpc",
        "rpc.server.request.size", "rpc.server.response.size")) {
      assertThat(data.get(name)).as(name).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
          p -> assertThat(p.hasCount(1).actual().getExemplars()).isEmpty()));
    }
  }

  @Test
  void unknownMethod_isOther_inBothGenerations() {
    RpcMetrics metrics = metrics(RpcSide.SERVER, RpcSemconv.Mode.DUP);
    RpcMethod unknown = new RpcMethod("evil.Scan/a8f3e1", "evil.Scan", "a8f3e1", CallType.UNARY);
    metrics.method(unknown, false).record(Attributes.empty(), Status.Code.UNIMPLEMENTED, 1_000, 1, 0, -1, -1,
        Context.root());
    Map<String, MetricData> data = collect();
    assertThat(data.get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttribute(stringKey("rpc.method"), "_OTHER")));
    assertThat(data.get("rpc.server.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttribute(stringKey("rpc.method"), "_OTHER").hasAttribute(stringKey("rpc.service"), "_OTHER")));
  }

  @Test
  void methodsPastTheBound_areOther() {
    RpcMetrics metrics = metrics(RpcSide.SERVER, RpcSemconv.Mode.NEW);
    for (int i = 0; i < RpcMetrics.MAX_METHODS; i++) {
      metrics.method(new RpcMethod("s.S/m" + i, "s.S", "m" + i, CallType.UNARY), true);
    }
    metrics.method(new RpcMethod("s.S/one-too-many", "s.S", "one-too-many", CallType.UNARY), true)
        .record(Attributes.empty(), Status.Code.OK, 1_000, 1, 1, -1, -1, Context.root());
    assertThat(collect().get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasAttribute(stringKey("rpc.method"), "_OTHER")));
  }

  @Test
  void enricherMetricAttributes_areAdded_oncePerMethod_andCannotReplaceTheConventions() {
    int[] asked = {0};
    AttributeEnricher team = new AttributeEnricher() {
      @Override
      public Attributes metricAttributes(RpcMethod method, RpcSide side) {
        asked[0]++;
        return Attributes.of(stringKey("team"), "edge", stringKey("rpc.method"), "spoofed");
      }
    };
    RpcMetrics metrics = metrics(RpcSide.SERVER, RpcSemconv.Mode.NEW, team);
    for (int i = 0; i < 3; i++) {
      metrics.method(ECHO, true).record(Attributes.empty(), Status.Code.OK, 1_000, 1, 1, -1, -1, Context.root());
    }
    assertThat(asked[0]).isEqualTo(1);
    assertThat(collect().get("rpc.server.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(3).hasAttribute(stringKey("team"), "edge").hasAttribute(stringKey("rpc.method"), "acme.Echo/Say")));
  }

  @Test
  void failingEnricher_isLeftOut_andTheCallIsRecorded() {
    AttributeEnricher broken = new AttributeEnricher() {
      @Override
      public Attributes metricAttributes(RpcMethod method, RpcSide side) {
        throw new IllegalStateException("boom");
      }
    };
    metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW, broken).method(ECHO, true)
        .record(SERVER, Status.Code.OK, 1_000, 1, 1, -1, -1, Context.root());
    assertThat(collect()).containsKey("rpc.client.call.duration");
  }

  @Test
  void noopMeterProvider_recordsNothing_andNeverThrows() {
    RpcMetrics metrics = RpcMetrics.create(OpenTelemetry.noop(), "t", RpcSide.CLIENT, RpcSemconv.Mode.DUP,
        code -> true, List.of());
    assertThatCode(() -> metrics.method(ECHO, true)
        .record(SERVER, Status.Code.OK, 1_000, 1, 1, 10, 10, Context.root())).doesNotThrowAnyException();
    assertThat(reader.collectAllMetrics()).isEmpty();
  }

  @Test
  void severalServers_eachGetTheirOwnSeries_equalAttributesShareOne() {
    RpcMetrics.MethodMetrics echo = metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW).method(ECHO, true);
    Attributes other = Attributes.of(RpcSemconv.SERVER_ADDRESS, "other.local");
    for (int i = 0; i < 3; i++) {
      echo.record(SERVER, Status.Code.OK, 1_000, 1, 1, -1, -1, Context.root());
      echo.record(other, Status.Code.OK, 1_000, 1, 1, -1, -1, Context.root());
      // an equal set built anew (as a channel without a cached authority would) is the same series
      echo.record(Attributes.of(RpcSemconv.SERVER_ADDRESS, "other.local"), Status.Code.OK, 1_000, 1, 1, -1, -1,
          Context.root());
    }
    assertThat(collect().get("rpc.client.call.duration")).hasHistogramSatisfying(h -> h.hasPointsSatisfying(
        p -> p.hasCount(3).hasAttribute(stringKey("server.address"), "echo.local"),
        p -> p.hasCount(6).hasAttribute(stringKey("server.address"), "other.local")));
  }

  @Test
  void attributeSets_areBuiltOnce_perMethodCodeAndServer() {
    RpcMetrics.MethodMetrics echo = metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW).method(ECHO, true);
    assertThat(metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW).method(ECHO, true)).isNotSameAs(echo);
    RpcMetrics metrics = metrics(RpcSide.CLIENT, RpcSemconv.Mode.NEW);
    assertThat(metrics.method(ECHO, true)).isSameAs(metrics.method(ECHO, true));
  }
}
