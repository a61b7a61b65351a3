package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --upstream} as a process in front of our directory snapshotter in another process: the
 * same scenario, straight to one snapshotter and through the proxy to its twin, gets the same answers.
 */
class ProxyProcessTest {

  @Test
  void proxyProcess_inFrontOfOurSnapshotterProcess_answersAsTheSnapshotterDirectly() throws Exception {
    try (Processes processes = new Processes()) {
      Path temp = processes.temp;
      processes.launcher("--root", temp.resolve("direct").toString(), "--socket", temp.resolve("d.sock").toString());
      processes.launcher("--root", temp.resolve("behind").toString(), "--socket", temp.resolve("b.sock").toString());
      processes.launcher("--upstream", "unix://" + temp.resolve("b.sock"), "--socket", temp.resolve("p.sock").toString());

      List<String> direct = scenario(temp.resolve("d.sock"), temp.resolve("direct"));
      List<String> proxied = scenario(temp.resolve("p.sock"), temp.resolve("behind"));

      assertThat(proxied).isEqualTo(direct);
      assertThat(direct).anySatisfy(line -> assertThat(line).startsWith("List -> ok [name:"));
    }
  }

  static List<String> scenario(Path socket, Path root) throws Exception {
    ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
    try {
      return Scenario.run(channel, root);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
