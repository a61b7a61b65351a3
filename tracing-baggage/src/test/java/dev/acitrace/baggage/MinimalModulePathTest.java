package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * tracing-grpc-server depends on tracing-baggage and must not get the OpenTelemetry SDK through it. This
 * launches a JVM whose module path holds only this module, tracing-api and the OpenTelemetry API and
 * context, and runs {@link ModulePathCheck} in it: the module resolves, discovers its providers and works.
 */
class MinimalModulePathTest {

  /** One class from each artifact the launch may use: this module, tracing-api, OpenTelemetry API/context/common. */
  private static final List<String> CLASSES = List.of(
      "dev.acitrace.baggage.BaggageContext", "dev.acitrace.api.internal.Providers", "io.opentelemetry.api.baggage.Baggage",
      "io.opentelemetry.context.Context", "io.opentelemetry.common.ComponentLoader");

  @Test
  void moduleResolvesAndWorks_withOnlyTheOpenTelemetryApi() throws Exception {
    assertThat(getClass().getModule().isNamed()).isTrue();
    List<String> modulePath = new ArrayList<>();
    for (String name : CLASSES) {
      Class<?> type = Class.forName(name, false, getClass().getClassLoader());
      modulePath.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    assertThat(modulePath).doesNotHaveDuplicates();
    assertThat(modulePath).noneMatch(entry -> entry.contains("sdk"));
    Path testClasses = Path.of("target", "test-classes").toAbsolutePath();
    assertThat(testClasses.resolve("dev/acitrace/baggage/ModulePathCheck.class")).exists();

    List<String> command = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--module-path", String.join(File.pathSeparator, modulePath),
        "--patch-module", "dev.acitrace.baggage=" + testClasses,
        "--module", "dev.acitrace.baggage/dev.acitrace.baggage.ModulePathCheck");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
    } finally {
      output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.destroyForcibly();
    }

    assertThat(output).as(command.stream().collect(Collectors.joining(" "))).startsWith("OK");
    assertThat(process.exitValue()).isZero();
    assertThat(Files.exists(testClasses)).isTrue();
  }
}
