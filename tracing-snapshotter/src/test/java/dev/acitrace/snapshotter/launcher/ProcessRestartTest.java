package dev.acitrace.snapshotter.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as a real process: state written through the wire, the process killed without warning,
 * a new process started on the same root, the state read back unchanged.
 */
class ProcessRestartTest {

  @TempDir
  Path temp;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process process : processes) {
      if (process.isAlive()) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void killedAndRestarted_readsBackEveryAcknowledgedChange() throws Exception {
    Path root = temp.resolve("root");
    Path socket = temp.resolve("s.sock");

    Process first = serve(root, socket);
    List<SnapshotInfo> before;
    Usage usage;
    ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
    try {
      Snapshotter client = SnapshotsClient.create(channel, "acitrace");
      String dir = client.prepare("layer-active", "", Map.of("a", "1")).get(0).source();
      Files.writeString(Path.of(dir).resolve("data"), "layer content");
      client.commit("layer", "layer-active", Map.of("c", "2"));
      client.prepare("rw", "layer", Map.of());
      client.view("ro", "layer", Map.of());
      client.update(SnapshotInfo.forUpdate("layer", Map.of("containerd.io/snapshot/x", "y")),
          List.of("labels.containerd.io/snapshot/x"));
      before = sorted(client.list());
      usage = client.usage("layer");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // SIGKILL: no shutdown hook, nothing flushed on the way out
    first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

    Process second = serve(root, socket); // also proves a stale socket file is replaced
    channel = SnapshotsClient.unixChannel(socket).build();
    try {
      Snapshotter client = SnapshotsClient.create(channel, "acitrace");
      assertThat(sorted(client.list())).isEqualTo(before);
      assertThat(client.usage("layer")).isEqualTo(usage);
      assertThat(Path.of(client.mounts("rw").get(0).source()).resolve("data")).hasContent("layer content");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // SIGTERM: the shutdown hook stops the server and removes its socket
    second.destroy();
    assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(socket).doesNotExist();
  }

  private Process serve(Path root, Path socket) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String modulePath = System.getProperty("jdk.module.path");
    assertThat(modulePath).as("tests run on the module path").isNotBlank();
    // surefire puts the jars only automatic modules need (e.g. opentelemetry-common) on the class path
    Process process = new ProcessBuilder(java,
        "--module-path", modulePath,
        "--class-path", System.getProperty("java.class.path", ""),
        "--add-modules", "ALL-MODULE-PATH",
        // sqlite-jdbc extracts its native library per process; a SIGKILLed one leaves it behind
        "-Dorg.sqlite.tmpdir=" + temp,
        "-m", "dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main",
        // the directory layout: the test reads a child snapshot's files through its bind mount's source
        "serve", "--root", root.toString(), "--backend", "directory", "--socket", socket.toString())
        .redirectError(temp.resolve("stderr-" + processes.size() + ".log").toFile())
        .start();
    processes.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine(); // blocks until the server announces itself or the process exits
    if (line == null || !line.contains("serving")) {
      process.waitFor(10, TimeUnit.SECONDS);
      fail("serve did not start: " + line + "\n"
          + Files.readString(temp.resolve("stderr-" + (processes.size() - 1) + ".log")));
    }
    return process;
  }

  private static List<SnapshotInfo> sorted(List<SnapshotInfo> infos) {
    List<SnapshotInfo> copy = new ArrayList<>(infos);
    copy.sort(Comparator.comparing(SnapshotInfo::name));
    return copy;
  }
}
