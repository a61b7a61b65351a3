package dev.acitrace.snapshotter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** containerd's sizes over a real channel (unix socket, HTTP/2, grpc-java's default limits on the client). */
class SnapshotterServerLimitsTest {

  @TempDir
  Path temp;

  private DirectorySnapshotter directory;
  private SnapshotterServer server;
  private ManagedChannel channel;
  private Snapshotter client;

  @BeforeEach
  void start() throws IOException {
    directory = DirectorySnapshotter.open(temp.resolve("root"));
    Path socket = temp.resolve("snap.sock");
    server = SnapshotterServer.builder(directory).unixSocket(socket).build().start();
    channel = SnapshotsClient.unixChannel(socket).build();
    client = SnapshotsClient.create(channel, "acitrace");
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    directory.close();
  }

  @Test
  void oneMegabyteKey_isNotFound_notInternal_becauseTheMessageEchoesABoundedPrefix() {
    String huge = "k".repeat(1 << 20);
    for (Runnable call : List.<Runnable>of(() -> client.stat(huge), () -> client.remove(huge),
        () -> client.mounts(huge), () -> client.usage(huge))) {
      assertThatThrownBy(call::run).isInstanceOf(NotFoundException.class)
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }
    assertThatThrownBy(() -> client.prepare(huge, "", Map.of()))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("more than 4096");
    // RE2 compiles in more than linear time: a megabyte of pattern is refused before compiling
    assertThatThrownBy(() -> client.list("name~=" + huge + "("))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("more than 1024");
  }

  @Test
  void list_ofSnapshotsWithManyLargeLabels_fitsTheMessageLimit() {
    // 900 labels of ~4 KB: about 3.6 MB per snapshot; batches of 100 snapshots were 18 MB
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < 900; i++) {
      labels.put(String.format("containerd.io/snapshot/l%04d", i), "v".repeat(4000));
    }
    for (int i = 0; i < 5; i++) {
      client.prepare("big-" + i, "", labels);
    }

    List<SnapshotInfo> listed = client.list();

    assertThat(listed).extracting(SnapshotInfo::name).containsExactlyInAnyOrder(
        "big-0", "big-1", "big-2", "big-3", "big-4");
    assertThat(listed).allSatisfy(info -> assertThat(info.labels()).hasSize(900));
  }

  @Test
  void statusDescriptions_areBounded_whateverTheSnapshotterThrows() {
    StatusRuntimeException status = Errors.toStatus(new IllegalStateException("x".repeat(1 << 20)), "m");
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getStatus().getDescription()).hasSizeLessThan(Errors.MAX_DESCRIPTION + 40);
  }
}
