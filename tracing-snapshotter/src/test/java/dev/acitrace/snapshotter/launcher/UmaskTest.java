package dev.acitrace.snapshotter.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server started under {@code umask 000} (a JVM cannot change its own umask, so in a child
 * process): nothing it creates is open to other users.
 */
@Timeout(120)
class UmaskTest {

  @TempDir Path temp;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process process : processes) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void serveUnderUmask000_createsSocketRootRunDirectoryAndMetadataPrivate() throws Exception {
    Path root = temp.resolve("var/lib/snapshotter");
    Path socket = temp.resolve("run/acitrace/snapshotter.sock");
    serve(root, socket);

    assertThat(mode(socket)).as("socket").isEqualTo(0600);
    assertThat(mode(socket.getParent())).as("run directory").isEqualTo(0700);
    assertThat(mode(temp.resolve("run"))).as("run directory's created parent").isEqualTo(0700);
    assertThat(mode(root)).as("root").isEqualTo(0700);
    assertThat(mode(root.getParent())).as("root's created parent").isEqualTo(0700);
    assertThat(mode(root.resolve("snapshots"))).as("snapshots").isEqualTo(0700);
    try (var files = Files.list(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(mode(file)).as("metadata file %s", file.getFileName()).isEqualTo(0600);
      }
    }
    assertThat(root.resolve("lock")).exists();
    ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
    try {
      Snapshotter client = SnapshotsClient.create(channel, "acitrace");
      Path snapshot = Path.of(client.prepare("k", "", Map.of()).get(0).source());
      assertThat(mode(snapshot)).as("a new snapshot: traversable, not writable by others").isEqualTo(0755);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void serveWithSocketModeAndGroup_letsTheGroupIn() throws Exception {
    Path root = temp.resolve("root");
    Path socket = temp.resolve("run/s.sock");
    serve(root, socket, "--socket-mode", "0660", "--socket-group", "4242");

    assertThat(mode(socket)).isEqualTo(0660);
    assertThat(Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4242);
    assertThat(mode(socket.getParent())).as("the group may search the run directory").isEqualTo(0710);
    assertThat(Files.getAttribute(socket.getParent(), "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4242);
    try (var entries = Files.list(socket.getParent())) {
      assertThat(entries.map(p -> p.getFileName().toString())).as("no staging leftovers")
          .containsExactly("s.sock");
    }
  }

  private static int mode(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private void serve(Path root, Path socket, String... extra) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String modulePath = System.getProperty("jdk.module.path");
    List<String> command = new ArrayList<>(List.of("sh", "-c", "umask 000; exec \"$@\"", "sh", java));
    if (modulePath != null && !modulePath.isBlank()) {
      // surefire puts the jars only automatic modules need (e.g. opentelemetry-common) on the class path
      command.addAll(List.of("--module-path", modulePath,
          "--class-path", System.getProperty("java.class.path", ""),
          "--add-modules", "ALL-MODULE-PATH",
          "-m", "dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main"));
    } else { // the class-path run of the suite: the launcher (JNA included) must work there too
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    }
    command.addAll(List.of("serve", "--root", root.toString(), "--socket", socket.toString()));
    command.addAll(List.of(extra));
    Path stderr = temp.resolve("stderr-" + processes.size() + ".log");
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    processes.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    if (line == null || !line.contains("serving")) {
      process.waitFor(10, TimeUnit.SECONDS);
      fail("serve did not start: " + line + "\n" + Files.readString(stderr));
    }
    // the server itself (sh exec'd into java) runs with the umask the test is about
    assertThat(Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")))
        .contains("Umask:\t0000");
  }
}
