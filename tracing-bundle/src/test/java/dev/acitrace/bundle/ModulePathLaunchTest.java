package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Launches {@code dev.acitrace.bundle.internal.TracingProbe} as {@code java -p <module path> -m dev.acitrace.bundle/...}, with no other
 * flag, exporting to receivers in this test: proves the module resolves everything its automatic
 * dependencies need (OTLP over gRPC and http/protobuf), and that a third-party exporter provider dropped
 * on the module path (a module compiled here, with only a {@code provides} clause) is used by name.
 */
@Timeout(120)
class ModulePathLaunchTest {

  @TempDir
  static Path work;
  private static Path providerModule;
  private static Path extensionModule;
  private OtlpGrpcReceiver grpcReceiver;
  private OtlpHttpReceiver httpReceiver;

  /**
   * The module path a user would launch with: this module's classes and its runtime dependencies, as
   * Maven resolved them (written by the build: see the pom).
   */
  private static String modulePath() throws IOException {
    String classes = System.getProperty("acitrace.test.classes");
    String runtimePath = System.getProperty("acitrace.test.runtime.path");
    assertThat(classes).as("set by the pom").isNotBlank();
    assertThat(runtimePath).as("set by the pom").isNotBlank();
    return classes + File.pathSeparator + Files.readString(Path.of(runtimePath)).trim();
  }

  /** OpenTelemetry's logging exporters (test dependencies), as the jars a user would add. */
  private static String openTelemetryLoggingJars() throws IOException {
    String testPath = System.getProperty("acitrace.test.test.path");
    assertThat(testPath).as("set by the pom").isNotBlank();
    List<String> jars = new ArrayList<>();
    for (String entry : Files.readString(Path.of(testPath)).trim().split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      if (file.startsWith("opentelemetry-exporter-logging-")) {
        jars.add(entry);
      }
    }
    assertThat(jars).as("opentelemetry-exporter-logging").hasSize(1);
    return String.join(File.pathSeparator, jars);
  }

  private static Path jdkTool(String name) {
    return Path.of(System.getProperty("java.home"), "bin", name);
  }

  @BeforeAll
  static void compileThirdPartyProvider() throws Exception {
    Path src = work.resolve("provider-src");
    Path pkg = src.resolve("org/example/fileexporter");
    Files.createDirectories(pkg);
    Files.writeString(src.resolve("module-info.java"), String.join("\n",
        "module org.example.fileexporter {",
        "  requires dev.acitrace.api;",
        "  requires io.opentelemetry.sdk.trace;",
        "  requires io.opentelemetry.sdk.common;",
        "  provides dev.acitrace.api.spi.ExporterProvider with org.example.fileexporter.FileExporterProvider;",
        "}"));
    Files.writeString(pkg.resolve("FileExporterProvider.java"), String.join("\n",
        "package org.example.fileexporter;",
        "import dev.acitrace.api.TracingConfig;",
        "import dev.acitrace.api.spi.ExporterProvider;",
        "import io.opentelemetry.sdk.common.CompletableResultCode;",
        "import io.opentelemetry.sdk.trace.data.SpanData;",
        "import io.opentelemetry.sdk.trace.export.SpanExporter;",
        "import java.nio.file.*;",
        "import java.util.Collection;",
        "public final class FileExporterProvider implements ExporterProvider {",
        "  public String name() { return \"file\"; }",
        "  public SpanExporter create(TracingConfig config) {",
        "    Path file = Path.of(config.get(\"example.file\"));",
        "    return new SpanExporter() {",
        "      public CompletableResultCode export(Collection<SpanData> spans) {",
        "        try {",
        "          for (SpanData s : spans) {",
        "            Files.writeString(file, s.getName() + \"\\n\", StandardOpenOption.CREATE, StandardOpenOption.APPEND);",
        "          }",
        "          return CompletableResultCode.ofSuccess();",
        "        } catch (java.io.IOException e) { return CompletableResultCode.ofFailure(); }",
        "      }",
        "      public CompletableResultCode flush() { return CompletableResultCode.ofSuccess(); }",
        "      public CompletableResultCode shutdown() { return CompletableResultCode.ofSuccess(); }",
        "    };",
        "  }",
        "}"));
    providerModule = work.resolve("provider-classes");
    List<String> javac = List.of(jdkTool("javac").toString(), "-d", providerModule.toString(),
        "--module-path", modulePath(), "-Xlint:-options",
        src.resolve("module-info.java").toString(), pkg.resolve("FileExporterProvider.java").toString());
    Result result = run(javac, Map.of());
    assertThat(result.exitCode).as("javac: %s", result.output).isZero();
    extensionModule = compileOpenTelemetryExtension();
  }

  /**
   * A third party's OpenTelemetry autoconfigure extension, knowing nothing of acitrace: a
   * {@code ConfigurableSpanExporterProvider} named {@code thirdparty} (writes span names to a file) and an
   * {@code AutoConfigurationCustomizerProvider} that adds a resource attribute and wraps every span
   * exporter, recording which exporter saw which span.
   */
  private static Path compileOpenTelemetryExtension() throws Exception {
    Path src = work.resolve("extension-src");
    Path pkg = src.resolve("org/example/otelext");
    Files.createDirectories(pkg);
    Files.writeString(src.resolve("module-info.java"), String.join("\n",
        "module org.example.otelext {",
        "  requires io.opentelemetry.api;",
        "  requires io.opentelemetry.sdk.common;",
        "  requires io.opentelemetry.sdk.trace;",
        "  requires io.opentelemetry.sdk.autoconfigure.spi;",
        "  provides io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider",
        "      with org.example.otelext.ThirdPartyExporterProvider;",
        "  provides io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider",
        "      with org.example.otelext.ExampleCustomizer;",
        "}"));
    Files.writeString(pkg.resolve("FileWriting.java"), String.join("\n",
        "package org.example.otelext;",
        "import io.opentelemetry.sdk.common.CompletableResultCode;",
        "import io.opentelemetry.sdk.trace.data.SpanData;",
        "import io.opentelemetry.sdk.trace.export.SpanExporter;",
        "import java.nio.file.*;",
        "import java.util.Collection;",
        "final class FileWriting implements SpanExporter {",
        "  private final Path file; private final String prefix; private final SpanExporter next;",
        "  FileWriting(Path file, String prefix, SpanExporter next) { this.file = file; this.prefix = prefix; this.next = next; }",
        "  public CompletableResultCode export(Collection<SpanData> spans) {",
        "    try {",
        "      for (SpanData s : spans) {",
        "        Files.writeString(file, prefix + s.getName() + \"\\n\", StandardOpenOption.CREATE, StandardOpenOption.APPEND);",
        "      }",
        "    } catch (java.io.IOException e) { return CompletableResultCode.ofFailure(); }",
        "    return next == null ? CompletableResultCode.ofSuccess() : next.export(spans);",
        "  }",
        "  public CompletableResultCode flush() { return next == null ? CompletableResultCode.ofSuccess() : next.flush(); }",
        "  public CompletableResultCode shutdown() { return next == null ? CompletableResultCode.ofSuccess() : next.shutdown(); }",
        "}"));
    Files.writeString(pkg.resolve("ThirdPartyExporterProvider.java"), String.join("\n",
        "package org.example.otelext;",
        "import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;",
        "import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;",
        "import io.opentelemetry.sdk.trace.export.SpanExporter;",
        "import java.nio.file.Path;",
        "public final class ThirdPartyExporterProvider implements ConfigurableSpanExporterProvider {",
        "  public String getName() { return \"thirdparty\"; }",
        "  public SpanExporter createExporter(ConfigProperties config) {",
        "    return new FileWriting(Path.of(config.getString(\"example.thirdparty.file\")), \"\", null);",
        "  }",
        "}"));
    Files.writeString(pkg.resolve("ExampleCustomizer.java"), String.join("\n",
        "package org.example.otelext;",
        "import io.opentelemetry.api.common.AttributeKey;",
        "import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;",
        "import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;",
        "import io.opentelemetry.sdk.resources.Resource;",
        "import java.nio.file.Path;",
        "public final class ExampleCustomizer implements AutoConfigurationCustomizerProvider {",
        "  public void customize(AutoConfigurationCustomizer customizer) {",
        "    customizer.addResourceCustomizer((resource, config) -> resource.merge(",
        "        Resource.builder().put(AttributeKey.stringKey(\"example.customized\"), \"yes\").build()));",
        "    customizer.addSpanExporterCustomizer((exporter, config) -> new FileWriting(",
        "        Path.of(config.getString(\"example.customizer.file\")), exporter.getClass().getSimpleName() + \" \", exporter));",
        "  }",
        "}"));
    Path classes = work.resolve("extension-classes");
    List<String> javac = new ArrayList<>(List.of(jdkTool("javac").toString(), "-d", classes.toString(),
        "--module-path", modulePath(), "-Xlint:-options"));
    try (var files = Files.walk(src)) {
      files.filter(f -> f.toString().endsWith(".java")).forEach(f -> javac.add(f.toString()));
    }
    Result result = run(javac, Map.of());
    assertThat(result.exitCode).as("javac: %s", result.output).isZero();
    return classes;
  }

  @BeforeEach
  void startReceivers() throws IOException {
    grpcReceiver = new OtlpGrpcReceiver();
    httpReceiver = new OtlpHttpReceiver();
  }

  @AfterEach
  void stopReceivers() throws InterruptedException {
    grpcReceiver.close();
    httpReceiver.close();
  }

  @Test
  void javaM_otlpGrpc_andThirdPartyProviderByName() throws Exception {
    Path spansFile = work.resolve("grpc-spans.txt");
    Result result = launch(modulePath() + File.pathSeparator + providerModule, Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", grpcReceiver.endpoint(),
        "OTEL_TRACES_EXPORTER", "otlp,file",
        "EXAMPLE_FILE", spansFile.toString(),
        "OTEL_SERVICE_NAME", "probe",
        "ENVIRONMENT", "ci"));

    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(result.output).contains("to exporters [otlp, file]");
    List<ReceivedSpan> spans = grpcReceiver.spans();
    assertThat(spans).extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("acitrace.probe", "acitrace.probe.child");
    assertThat(spans.get(0).resource()).containsEntry("service.name", "probe")
        .containsEntry("deployment.environment.name", "ci");
    assertThat(Files.readAllLines(spansFile)).containsExactlyInAnyOrder("acitrace.probe", "acitrace.probe.child");
  }

  @Test
  void javaM_metricsOverOtlp_reachTheReceiversMetricsService() throws Exception {
    Result result = launch(modulePath(), Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", grpcReceiver.endpoint(),
        "OTEL_SERVICE_NAME", "probe-metrics")); // OTEL_METRICS_EXPORTER unset: otlp, as in autoconfigure
    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(grpcReceiver.metricNames()).contains("acitrace.probe.runs@probe-metrics");
  }

  @Test
  void javaM_otlpHttpProtobuf() throws Exception {
    Result result = launch(modulePath(), Map.of(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", httpReceiver.endpoint() + "/v1/traces"));

    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(httpReceiver.spans()).extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("acitrace.probe", "acitrace.probe.child");
    assertThat(httpReceiver.spans().get(0).resource())
        .containsEntry("service.name", Tracing.DEFAULT_SERVICE_NAME);
  }

  @Test
  void javaM_openTelemetryExportersAndCustomizers_allWorkNextToOurs() throws Exception {
    Path thirdPartyFile = work.resolve("thirdparty-spans.txt");
    Path customizerFile = work.resolve("customized-spans.txt");
    Result result = launch(modulePath() + File.pathSeparator + openTelemetryLoggingJars()
        + File.pathSeparator + extensionModule, Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", grpcReceiver.endpoint(),
        "OTEL_TRACES_EXPORTER", "otlp, thirdparty,logging",
        "EXAMPLE_THIRDPARTY_FILE", thirdPartyFile.toString(),
        "EXAMPLE_CUSTOMIZER_FILE", customizerFile.toString()));

    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(result.output).contains("to exporters [otlp, thirdparty, logging]")
        .contains("exportedSpans=2,") // one composite export: every exporter succeeded
        // OpenTelemetry's LoggingSpanExporter, on java.util.logging
        .contains("'acitrace.probe' : ");
    // the customizer's resource customizer ran (autoconfigure) ...
    List<ReceivedSpan> spans = grpcReceiver.spans();
    assertThat(spans).extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("acitrace.probe", "acitrace.probe.child");
    assertThat(spans.get(0).resource()).containsEntry("example.customized", "yes");
    // ... and its span exporter customizer wrapped every exporter, ours included, once each
    assertThat(Files.readAllLines(thirdPartyFile)).containsExactlyInAnyOrder("acitrace.probe", "acitrace.probe.child");
    assertThat(Files.readAllLines(customizerFile)).containsExactlyInAnyOrder(
        "OtlpGrpcSpanExporter acitrace.probe", "OtlpGrpcSpanExporter acitrace.probe.child",
        "FileWriting acitrace.probe", "FileWriting acitrace.probe.child",
        "LoggingSpanExporter acitrace.probe", "LoggingSpanExporter acitrace.probe.child");
  }

  @Test
  void javaM_emptyTracesExporter_isTheDefault() throws Exception {
    Result result = launch(modulePath(), Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", grpcReceiver.endpoint(),
        "OTEL_TRACES_EXPORTER", ""));
    assertThat(result.exitCode).as(result.output).isZero();
    assertThat(result.output).contains("to exporters [otlp]");
    assertThat(grpcReceiver.spans()).hasSize(2);
  }

  @Test
  void javaM_zipkin_failsNamingWhatToAdd() throws Exception {
    Result result = launch(modulePath(), Map.of("OTEL_TRACES_EXPORTER", "zipkin"));
    assertThat(result.exitCode).as(result.output).isEqualTo(2);
    assertThat(result.output).contains("otel.traces.exporter (OTEL_TRACES_EXPORTER)='zipkin'")
        .contains("no exporter named 'zipkin'")
        .contains("io.opentelemetry:opentelemetry-exporter-zipkin:1.64.0")
        .contains("OpenTelemetry Collector with its zipkin exporter");
  }

  @Test
  void javaM_invalidConfiguration_exitsWithTheSettingNamed() throws Exception {
    Result result = launch(modulePath(), Map.of("OTEL_TRACES_EXPORTER", "jaeger"));
    assertThat(result.exitCode).as(result.output).isEqualTo(2);
    assertThat(result.output).contains("OTEL_TRACES_EXPORTER").contains("jaeger");
  }

  private static Result launch(String modulePath, Map<String, String> environment) throws Exception {
    List<String> command = new ArrayList<>(List.of(jdkTool("java").toString(),
        "-p", modulePath, "-m", "dev.acitrace.bundle/dev.acitrace.bundle.internal.TracingProbe"));
    return run(command, environment);
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> command, Map<String, String> environment) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // A clean slate: only what the test sets, so the developer's own OTEL_* cannot leak in.
    builder.environment().keySet().removeIf(key -> key.startsWith("OTEL_") || key.equals("ENVIRONMENT"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
