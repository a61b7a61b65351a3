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
  void javaM_invalidConfiguration_exitsWithTheSettingNamed() throws Exception {
    Result result = launch(modulePath(), Map.of("OTEL_TRACES_EXPORTER", "zipkin"));
    assertThat(result.exitCode).as(result.output).isEqualTo(2);
    assertThat(result.output).contains("OTEL_TRACES_EXPORTER").contains("zipkin");
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
