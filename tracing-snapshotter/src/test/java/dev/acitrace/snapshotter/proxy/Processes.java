package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Snapshotters as separate processes: our launcher, and containerd's code behind the Go upstream. */
final class Processes implements AutoCloseable {

  final Path temp;
  private final List<Process> processes = new ArrayList<>();

  Processes() throws IOException {
    // short: unix socket paths are limited to 108 bytes
    temp = Files.createTempDirectory(Path.of("/tmp"), "acipx");
  }

  /** {@code bin/snapshotter serve ARGS}, returned once it says it serves. */
  Process launcher(String... args) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String modulePath = System.getProperty("jdk.module.path");
    assertThat(modulePath).as("tests run on the module path").isNotBlank();
    List<String> command = new ArrayList<>(List.of(java,
        "--module-path", modulePath,
        // surefire puts the jars only automatic modules need (e.g. opentelemetry-common) on the class path
        "--class-path", System.getProperty("java.class.path", ""),
        "--add-modules", "ALL-MODULE-PATH",
        "-m", "dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main", "serve"));
    command.addAll(List.of(args));
    Path log = temp.resolve("launcher-" + processes.size() + ".log");
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    processes.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine(); // blocks until the server announces itself or the process exits
    if (line == null || !(line.contains("serving") || line.contains("proxying"))) {
      process.waitFor(10, TimeUnit.SECONDS);
      fail("serve did not start: " + line + "\n" + Files.readString(log));
    }
    return process;
  }

  /** The Go upstream (built by {@link GoUpstream}), returned once its socket exists. */
  Process go(Path binary, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    Path log = temp.resolve("go-" + processes.size() + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(process);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.readString(log).contains("serving")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        fail("Go upstream did not start:\n" + Files.readString(log));
      }
      Thread.sleep(20);
    }
    return process;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    try (var files = Files.walk(temp)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
