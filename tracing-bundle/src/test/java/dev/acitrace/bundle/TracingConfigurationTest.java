package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.resources.Resource;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * One test per configuration variable that acitrace's code or defaults touch, and one per malformed
 * value. Values are given the way {@code otel.*} system properties spell them, through
 * {@link TracingSettings.Builder#property}: autoconfigure reads environment variables and system
 * properties into the same keys, so this exercises the same path without mutating the environment.
 */
class TracingConfigurationTest {

  private static TracingHandle init(Consumer<TracingSettings.Builder> configure) {
    TracingSettings.Builder builder = TracingSettings.builder()
        .registerGlobal(false).shutdownHook(false).exporters("none");
    configure.accept(builder);
    return Tracing.init(builder.build());
  }

  private static Resource resourceOf(Consumer<TracingSettings.Builder> configure) {
    try (TracingHandle tracing = init(configure)) {
      return tracing.resource();
    }
  }

  private static String attribute(Resource resource, String key) {
    return resource.getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey(key));
  }

  // --- service name -----------------------------------------------------------------------------

  @Test
  void serviceName_unset_isTheOriginalsDefault() {
    assertThat(attribute(resourceOf(b -> {}), "service.name")).isEqualTo("accelerated-container-image");
  }

  @Test
  void otelServiceName_isUsed() {
    assertThat(attribute(resourceOf(b -> b.property("otel.service.name", "snapshotter")), "service.name"))
        .isEqualTo("snapshotter");
  }

  @Test
  void otelServiceName_asSystemProperty_isUsed_andSettingsWinOverIt() {
    System.setProperty("otel.service.name", "from-system-property");
    try {
      assertThat(attribute(resourceOf(b -> {}), "service.name")).isEqualTo("from-system-property");
      assertThat(attribute(resourceOf(b -> b.serviceName("from-code")), "service.name"))
          .isEqualTo("from-code");
    } finally {
      System.clearProperty("otel.service.name");
    }
  }

  @Test
  void otelResourceAttributes_serviceName_winsOverTheDefault() {
    Resource resource = resourceOf(b -> b.property("otel.resource.attributes", "service.name=from-attrs,team=infra"));
    assertThat(attribute(resource, "service.name")).isEqualTo("from-attrs");
    assertThat(attribute(resource, "team")).isEqualTo("infra");
  }

  // --- ENVIRONMENT ------------------------------------------------------------------------------

  @Test
  void environment_becomesDeploymentEnvironmentName() {
    assertThat(attribute(resourceOf(b -> b.property("environment", "staging")), "deployment.environment.name"))
        .isEqualTo("staging");
  }

  @Test
  void environment_unset_addsNoDeploymentEnvironment() {
    assertThat(attribute(resourceOf(b -> {}), "deployment.environment.name")).isNull();
  }

  @Test
  void otelResourceAttributes_deploymentEnvironmentName_winsOverEnvironment() {
    Resource resource = resourceOf(b -> b.property("environment", "staging")
        .property("otel.resource.attributes", "deployment.environment.name=prod"));
    assertThat(attribute(resource, "deployment.environment.name")).isEqualTo("prod");
  }

  @Test
  void otelResourceAttributes_legacyDeploymentEnvironment_winsOverEnvironment() {
    Resource resource = resourceOf(b -> b.property("environment", "staging")
        .property("otel.resource.attributes", "deployment.environment=prod"));
    assertThat(attribute(resource, "deployment.environment.name")).isNull();
    assertThat(attribute(resource, "deployment.environment")).isEqualTo("prod");
  }

  @Test
  void settingsEnvironment_winsOverResourceAttributes() {
    Resource resource = resourceOf(b -> b.environment("from-code")
        .property("otel.resource.attributes", "deployment.environment.name=prod"));
    assertThat(attribute(resource, "deployment.environment.name")).isEqualTo("from-code");
  }

  // --- exporters --------------------------------------------------------------------------------

  @Test
  void tracesExporter_unset_isOtlp() {
    try (TracingHandle tracing = init(b -> b.property("otel.traces.exporter", ""))) {
      assertThat(tracing.exporters()).containsExactly("otlp");
    }
  }

  @Test
  void tracesExporter_none_exportsNothingAndInstallsNoProcessor() {
    try (TracingHandle tracing = init(b -> b.exporters("none"))) {
      Span span = tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan();
      // With no span processor the SDK does not even record it.
      assertThat(span.isRecording()).isFalse();
      span.end();
      assertThat(tracing.exportStats()).isEqualTo(ExportStats.EMPTY);
    }
  }

  @Test
  void tracesExporter_unknownName_failsNamingVariableValueAndAvailableNames() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp", "jaeger")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("otel.traces.exporter (OTEL_TRACES_EXPORTER)='otlp,jaeger'")
        .hasMessageContaining("'jaeger'")
        .hasMessageContaining("available: otlp, console, none");
  }

  @Test
  void tracesExporter_noneWithOthers_fails() {
    assertThatThrownBy(() -> init(b -> b.exporters("none", "console")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_TRACES_EXPORTER")
        .hasMessageContaining("'none' cannot be combined");
  }

  @Test
  void tracesExporter_openTelemetrysLogging_isFoundAfterOurs_andRunsWithThem() {
    java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger otelLogger =
        java.util.logging.Logger.getLogger("io.opentelemetry.exporter.logging.LoggingSpanExporter");
    java.util.logging.Handler handler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        logged.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    otelLogger.addHandler(handler);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TracingHandle tracing = init(b -> b.property("otel.traces.exporter", "console, logging")
        .consoleOutput(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)))) {
      tracing.openTelemetry().getTracer("t").spanBuilder("both").startSpan().end();
      assertThat(tracing.flush()).isTrue();
      assertThat(tracing.exporters()).containsExactly("console", "logging");
      assertThat(tracing.exportStats().exportedSpans()).isEqualTo(1);
    } finally {
      otelLogger.removeHandler(handler);
    }
    assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("'both' : "));
    // `console` is ours (a tree), not OpenTelemetry's console exporter of the same name
    assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).containsPattern("(?m)^└─ both .* OK$");
  }

  @Test
  void tracesExporter_unknownName_listsOpenTelemetrysExportersToo() {
    assertThatThrownBy(() -> init(b -> b.exporters("jaeger")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("available: otlp, console, none")
        .hasMessageEndingWith(", logging"); // OpenTelemetry's, after ours; its otlp and console are shadowed
  }

  @Test
  void tracesExporter_zipkin_failsSayingWhatToAdd() {
    assertThatThrownBy(() -> init(b -> b.exporters("zipkin")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("otel.traces.exporter (OTEL_TRACES_EXPORTER)='zipkin': no exporter named 'zipkin'")
        .hasMessageContaining("OpenTelemetry Java no longer publishes a Zipkin exporter")
        .hasMessageContaining("io.opentelemetry:opentelemetry-exporter-zipkin:1.64.0")
        .hasMessageContaining("an acitrace dev.acitrace.api.spi.ExporterProvider");
  }

  // --- metrics ------------------------------------------------------------------------------------

  @Test
  void metricsExporter_console_printsACompactTableAtClose_afterTheTrace() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TracingHandle tracing = init(b -> b.exporters("console").serviceName("metrics-test")
        .property("otel.metrics.exporter", "console")
        .consoleOutput(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)))) {
      tracing.openTelemetry().getTracer("t").spanBuilder("traced").startSpan().end();
      io.opentelemetry.api.metrics.DoubleHistogram histogram = tracing.openTelemetry().getMeter("m")
          .histogramBuilder("rpc.server.call.duration").setUnit("s").build();
      io.opentelemetry.api.common.AttributeKey<String> method =
          io.opentelemetry.api.common.AttributeKey.stringKey("rpc.method");
      io.opentelemetry.api.common.AttributeKey<String> code =
          io.opentelemetry.api.common.AttributeKey.stringKey("rpc.response.status_code");
      io.opentelemetry.api.common.Attributes hostile =
          io.opentelemetry.api.common.Attributes.of(method, "acme.Echo/Say\u001b[2J", code, "OK");
      histogram.record(0.5, hostile);
      histogram.record(1.5, hostile);
      histogram.record(2.0, io.opentelemetry.api.common.Attributes.of(method, "acme.Echo/Other", code, "OK"));
    }
    String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(printed).containsPattern("(?m)^metrics \\(service metrics-test\\) at \\S+Z, 2 series$")
        // what every row shares is on the instrument's line; control characters are escaped
        .contains("  rpc.server.call.duration (s, histogram) rpc.response.status_code=OK\n"
            + dev.acitrace.bundle.internal.ConsoleMetricExporter.DISTRIBUTION_HEADER
            + String.format("  %12d %12s %12s  rpc.method=acme.Echo/Other\n", 1, "2.00", "2.00")
            + String.format("  %12d %12s %12s  rpc.method=acme.Echo/Say\\u001b[2J\n", 2, "1.00", "1.50"))
        .doesNotContain("\u001b");
    assertThat(printed.indexOf("└─ traced ")).isNotNegative().isLessThan(printed.indexOf("metrics ("));
  }

  @Test
  void metricExportInterval_isHonoured_byTheConsoleTable() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (TracingHandle tracing = init(b -> b.property("otel.metrics.exporter", "console")
        .property("otel.metric.export.interval", "100")
        .consoleOutput(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)))) {
      tracing.openTelemetry().getMeter("m").counterBuilder("ticks").build().add(3);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
      while (!bytes.toString(java.nio.charset.StandardCharsets.UTF_8).contains("ticks (1, sum)")
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // printed by the interval, before close; the SDK's own metrics are left out
      assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("  ticks (1, sum)\n"
          + dev.acitrace.bundle.internal.ConsoleMetricExporter.VALUE_HEADER
          + String.format("  %12d  \n", 3)).doesNotContain("otel.sdk.");
    }
  }

  @Test
  void metricsExporter_unset_isOtlp_likeAutoconfigure_andNoneSendsNothing() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      try (TracingHandle tracing = init(b -> b.endpoint(receiver.endpoint()))) {
        tracing.openTelemetry().getMeter("m").counterBuilder("default.otlp").build().add(1);
      }
      try (TracingHandle tracing = init(b -> b.endpoint(receiver.endpoint())
          .property("otel.metrics.exporter", "none"))) {
        tracing.openTelemetry().getMeter("m").counterBuilder("with.none").build().add(1);
      }
      assertThat(receiver.metricNames()).contains("default.otlp@accelerated-container-image")
          .noneMatch(name -> name.startsWith("with.none"));
    }
  }

  // --- settings over signal-specific variables --------------------------------------------------

  private static java.util.Map<String, String> applied(TracingSettings settings, java.util.Map<String, String> environment) {
    return new Initializer(settings).applySettings(
        io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties.createFromMap(environment));
  }

  @Test
  void settingsEndpoint_overridesTheSignalSpecificEndpointsTheEnvironmentSets_grpc() {
    java.util.Map<String, String> applied = applied(TracingSettings.builder().endpoint("http://code:4317").build(),
        java.util.Map.of("otel.exporter.otlp.traces.endpoint", "http://env:4317",
            "otel.exporter.otlp.metrics.endpoint", "http://env:4317"));
    assertThat(applied).containsEntry("otel.exporter.otlp.endpoint", "http://code:4317")
        .containsEntry("otel.exporter.otlp.traces.endpoint", "http://code:4317")
        .containsEntry("otel.exporter.otlp.metrics.endpoint", "http://code:4317")
        .doesNotContainKey("otel.exporter.otlp.logs.endpoint"); // not set: the general value applies
  }

  @Test
  void settingsEndpoint_httpProtobuf_becomesEachSignalsPath() {
    java.util.Map<String, String> applied = applied(TracingSettings.builder().endpoint("http://code:4318/")
        .property("otel.exporter.otlp.protocol", "http/protobuf").build(), java.util.Map.of(
            "otel.exporter.otlp.traces.endpoint", "http://env:4318/v1/traces",
            "otel.exporter.otlp.metrics.endpoint", "http://env:4318/v1/metrics",
            "otel.exporter.otlp.traces.protocol", "grpc"));
    assertThat(applied).containsEntry("otel.exporter.otlp.traces.endpoint", "http://code:4318/v1/traces")
        .containsEntry("otel.exporter.otlp.metrics.endpoint", "http://code:4318/v1/metrics")
        .containsEntry("otel.exporter.otlp.traces.protocol", "http/protobuf");
  }

  @Test
  void settingsEndpoint_environmentsSignalProtocolStillChoosesTheEndpointForm() {
    // the code set only the endpoint: the environment's protocol for traces still applies
    java.util.Map<String, String> applied = applied(TracingSettings.builder().endpoint("http://code:4318").build(),
        java.util.Map.of("otel.exporter.otlp.traces.protocol", "http/protobuf",
            "otel.exporter.otlp.traces.endpoint", "http://env:4318/v1/traces",
            "otel.exporter.otlp.metrics.endpoint", "http://env:4317"));
    assertThat(applied).containsEntry("otel.exporter.otlp.traces.endpoint", "http://code:4318/v1/traces")
        .containsEntry("otel.exporter.otlp.metrics.endpoint", "http://code:4318");
  }

  @Test
  void settingsSignalSpecificValue_isKept() {
    java.util.Map<String, String> applied = applied(TracingSettings.builder()
        .property("otel.exporter.otlp.headers", "a=1")
        .property("otel.exporter.otlp.traces.headers", "b=2").build(),
        java.util.Map.of("otel.exporter.otlp.traces.headers", "c=3", "otel.exporter.otlp.metrics.headers", "d=4"));
    assertThat(applied).containsEntry("otel.exporter.otlp.traces.headers", "b=2")
        .containsEntry("otel.exporter.otlp.metrics.headers", "a=1");
  }

  @Test
  void settingsEndpoint_winsOverTracesEndpointSystemProperty_spansReachTheSettingsEndpoint() throws Exception {
    try (OtlpGrpcReceiver receiver = new OtlpGrpcReceiver()) {
      System.setProperty("otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:1");
      try (TracingHandle tracing = init(b -> b.exporters("otlp").endpoint(receiver.endpoint()))) {
        tracing.openTelemetry().getTracer("t").spanBuilder("to-the-code-endpoint").startSpan().end();
        assertThat(tracing.flush()).isTrue();
      } finally {
        System.clearProperty("otel.exporter.otlp.traces.endpoint");
      }
      assertThat(receiver.awaitSpans(1, java.time.Duration.ofSeconds(5)))
          .extracting(ReceivedSpan::name).containsExactly("to-the-code-endpoint");
    }
  }

  @Test
  void settingsEndpoint_httpProtobuf_winsOverTracesEndpointSystemProperty() throws Exception {
    try (OtlpHttpReceiver receiver = new OtlpHttpReceiver()) {
      System.setProperty("otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:1/v1/traces");
      try (TracingHandle tracing = init(b -> b.exporters("otlp").endpoint(receiver.endpoint())
          .property("otel.exporter.otlp.protocol", "http/protobuf"))) {
        tracing.openTelemetry().getTracer("t").spanBuilder("over-http").startSpan().end();
        assertThat(tracing.flush()).isTrue();
      } finally {
        System.clearProperty("otel.exporter.otlp.traces.endpoint");
      }
      assertThat(receiver.spans()).extracting(ReceivedSpan::name).containsExactly("over-http");
    }
  }

  // --- OTLP endpoint and protocol ---------------------------------------------------------------

  @Test
  void otlpEndpoint_notAUrl_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").endpoint("localhost:4317")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("otel.exporter.otlp.endpoint (OTEL_EXPORTER_OTLP_ENDPOINT)='localhost:4317'");
  }

  @Test
  void otlpEndpoint_unsupportedScheme_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").endpoint("ftp://collector:4317")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT")
        .hasMessageContaining("ftp://collector:4317");
  }

  @Test
  void otlpProtocol_unknown_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").property("otel.exporter.otlp.protocol", "thrift")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_PROTOCOL")
        .hasMessageContaining("thrift");
  }

  @Test
  void otlpTimeout_malformed_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").property("otel.exporter.otlp.timeout", "soon")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_TIMEOUT")
        .hasMessageContaining("soon");
  }

  @Test
  void otlpCompression_unknown_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").property("otel.exporter.otlp.compression", "brotli")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_COMPRESSION")
        .hasMessageContaining("brotli");
  }

  @Test
  void otlpHeaders_malformed_failsNamingVariable() {
    assertThatThrownBy(() -> init(b -> b.exporters("otlp").property("otel.exporter.otlp.headers", "no-equals-sign")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS")
        .hasMessageContaining("no-equals-sign");
  }

  // --- sampler ----------------------------------------------------------------------------------

  @Test
  void sampler_alwaysOff_spansAreNotRecorded() {
    try (TracingHandle tracing = init(b -> b.property("otel.traces.sampler", "always_off"))) {
      assertThat(tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan().isRecording()).isFalse();
    }
  }

  @Test
  void sampler_traceIdRatioZero_spansAreNotSampled() {
    try (TracingHandle tracing = init(b -> b.property("otel.traces.sampler", "traceidratio")
        .property("otel.traces.sampler.arg", "0.0"))) {
      Span span = tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan();
      assertThat(span.getSpanContext().isSampled()).isFalse();
    }
  }

  @Test
  void sampler_ratioOutOfRange_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.property("otel.traces.sampler", "parentbased_traceidratio")
        .property("otel.traces.sampler.arg", "1.5")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("otel.traces.sampler.arg (OTEL_TRACES_SAMPLER_ARG)='1.5'")
        .hasMessageContaining("between 0.0 and 1.0");
  }

  @Test
  void sampler_ratioNotANumber_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.property("otel.traces.sampler", "traceidratio")
        .property("otel.traces.sampler.arg", "half")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_TRACES_SAMPLER_ARG")
        .hasMessageContaining("half");
  }

  @Test
  void sampler_unknownName_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.property("otel.traces.sampler", "sometimes")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_TRACES_SAMPLER")
        .hasMessageContaining("sometimes");
  }

  // --- propagators ------------------------------------------------------------------------------

  @Test
  void propagators_unset_areTraceContextAndAcitraceBaggage() {
    try (TracingHandle tracing = init(b -> {})) {
      assertThat(tracing.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .containsExactlyInAnyOrder("traceparent", "tracestate", "baggage");
      assertThat(tracing.openTelemetry().getPropagators().getTextMapPropagator().toString())
          .contains("AciBaggagePropagator");
    }
  }

  @Test
  void propagators_acitraceBaggageWithPrefixedCodec_writesOneHeaderPerEntry() {
    try (TracingHandle tracing = init(b -> b.property("acitrace.baggage.codec", "prefixed"))) {
      java.util.Map<String, String> carrier = new java.util.HashMap<>();
      io.opentelemetry.context.Context context = io.opentelemetry.api.baggage.Baggage.builder()
          .put("request.id", "r-1").build().storeInContext(io.opentelemetry.context.Context.root());
      tracing.openTelemetry().getPropagators().getTextMapPropagator()
          .inject(context, carrier, java.util.Map::put);
      assertThat(carrier).containsEntry("baggage-request.id", "r-1").doesNotContainKey("baggage");
    }
  }

  @Test
  void propagators_set_replaceTheDefault() {
    try (TracingHandle tracing = init(b -> b.property("otel.propagators", "tracecontext"))) {
      assertThat(tracing.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .containsExactlyInAnyOrder("traceparent", "tracestate");
    }
  }

  @Test
  void propagators_unknown_failNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.property("otel.propagators", "tracecontext,xray-lambda")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_PROPAGATORS")
        .hasMessageContaining("xray-lambda");
  }

  // --- batch span processor ---------------------------------------------------------------------

  @Test
  void bspQueueSize_notPositive_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("console").property("otel.bsp.max.queue.size", "0")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("otel.bsp.max.queue.size (OTEL_BSP_MAX_QUEUE_SIZE)='0'");
  }

  @Test
  void bspScheduleDelay_malformed_failsNamingVariableAndValue() {
    assertThatThrownBy(() -> init(b -> b.exporters("console").property("otel.bsp.schedule.delay", "often")))
        .isInstanceOf(TracingConfigurationException.class)
        .hasMessageContaining("OTEL_BSP_SCHEDULE_DELAY")
        .hasMessageContaining("often");
  }

  // --- SDK switch and global registration -------------------------------------------------------

  @Test
  void sdkDisabled_spansAreNotRecorded() {
    try (TracingHandle tracing = init(b -> b.exporters("console").property("otel.sdk.disabled", "true"))) {
      assertThat(tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan().isRecording()).isFalse();
      assertThat(tracing.exportStats()).isEqualTo(ExportStats.EMPTY);
    }
  }

  @Test
  void registerGlobal_true_makesItTheGlobalOpenTelemetry() {
    GlobalOpenTelemetry.resetForTest();
    try (TracingHandle tracing = init(b -> b.registerGlobal(true).exporters("console"))) {
      Tracer global = GlobalOpenTelemetry.getTracer("t");
      assertThat(global.spanBuilder("s").startSpan().isRecording()).isTrue();
      assertThatThrownBy(() -> init(b -> b.registerGlobal(true))).isInstanceOf(IllegalStateException.class);
    } finally {
      GlobalOpenTelemetry.resetForTest();
    }
  }

  @Test
  void settings_invalidArguments_failNamingTheArgument() {
    assertThatThrownBy(() -> TracingSettings.builder().serviceName(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serviceName");
    assertThatThrownBy(() -> TracingSettings.builder().endpoint(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("endpoint");
    assertThatThrownBy(() -> TracingSettings.builder().exporters())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names");
    assertThatThrownBy(() -> TracingSettings.builder().shutdownTimeout(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownTimeout");
    assertThatThrownBy(() -> TracingSettings.builder().consoleOutput(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("consoleOutput");
    assertThatThrownBy(() -> Tracing.init(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("settings");
  }

  @Test
  void settings_constructor_checksWhatTheBuilderChecks_andCopiesTheProperties() {
    java.time.Duration timeout = java.time.Duration.ofSeconds(1);
    java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();
    properties.put("otel.service.name", "svc");
    TracingSettings settings = new TracingSettings(properties, "prod", false, false, timeout, null);
    properties.put("otel.traces.exporter", "console");
    assertThat(settings.properties()).containsExactly(java.util.Map.entry("otel.service.name", "svc"));
    assertThat(settings).isEqualTo(TracingSettings.builder().serviceName("svc").environment("prod")
        .registerGlobal(false).shutdownHook(false).shutdownTimeout(timeout).build());
    assertThatThrownBy(() -> new TracingSettings(java.util.Map.of(), " ", true, true, timeout, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("environment");
    assertThatThrownBy(() -> new TracingSettings(java.util.Map.of(" ", "v"), null, true, true, timeout, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
    assertThatThrownBy(() -> new TracingSettings(
        java.util.Map.of(), null, true, true, java.time.Duration.ofSeconds(-1), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownTimeout");
    assertThatThrownBy(() -> new TracingSettings(null, null, true, true, timeout, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("properties");
    assertThatThrownBy(() -> new TracingSettings(java.util.Map.of(), null, true, true, null, null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("shutdownTimeout");
  }

  @Test
  void close_isIdempotent_andKeepsTheFinalStats() {
    TracingHandle tracing = init(b -> b.exporters("console"));
    tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan().end();
    tracing.close();
    tracing.close();
    assertThat(tracing.exportStats().exportedSpans()).isEqualTo(1);
    assertThat(tracing.toString()).contains("closed");
  }

  // --- console output -----------------------------------------------------------------------------

  @Test
  void consoleOutput_consoleExporterPrintsTheTraceThere() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stream = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
    try (TracingHandle tracing = init(b -> b.exporters("console").serviceName("console-test").consoleOutput(stream))) {
      Tracer tracer = tracing.openTelemetry().getTracer("t");
      Span root = tracer.spanBuilder("root").startSpan();
      tracer.spanBuilder("child").setParent(io.opentelemetry.context.Context.root().with(root)).startSpan().end();
      root.end();
      assertThat(tracing.flush()).isTrue();
      String printed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(printed)
          .startsWith("trace " + root.getSpanContext().getTraceId() + " (service console-test, 2 spans)")
          .containsPattern("(?m)^└─ root +[0-9.]+ (us|ms|s) OK\n   └─ child +[0-9.]+ (us|ms|s) OK$");
    }
  }

  @Test
  void consoleOutput_withoutTheConsoleExporter_printsNothing() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stream = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
    try (TracingHandle tracing = init(b -> b.consoleOutput(stream))) { // exporters: none
      tracing.openTelemetry().getTracer("t").spanBuilder("s").startSpan().end();
      tracing.flush();
    }
    assertThat(bytes.size()).isZero();
  }
}
