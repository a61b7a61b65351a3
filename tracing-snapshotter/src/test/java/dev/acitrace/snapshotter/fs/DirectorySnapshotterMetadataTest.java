package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.SnapshotLimits;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.SnapshotRecord;
import dev.acitrace.snapshotter.proto.SnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory snapshotter's metadata: migration from metadata.pb, streaming walks, containerd's sizes. */
class DirectorySnapshotterMetadataTest {

  private static final Timestamp T1 = Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(123).build();
  private static final Timestamp T2 = Timestamp.newBuilder().setSeconds(1_700_000_100L).setNanos(456).build();

  @TempDir
  Path temp;

  @Test
  void open_rootOfAnOlderRelease_migratesMetadataPbOnce() throws IOException {
    Path root = temp.resolve("root");
    Files.createDirectories(root.resolve("snapshots/1"));
    Files.createDirectories(root.resolve("snapshots/2"));
    Files.createDirectories(root.resolve("snapshots/3"));
    Files.writeString(root.resolve("snapshots/2/f"), "child content");
    writeLegacy(root, SnapshotStore.newBuilder().setVersion(1).setNextId(9)
        .addSnapshots(record(1, "base", "", dev.acitrace.snapshotter.proto.Kind.COMMITTED, Map.of("c", "1"))
            .setSize(4096).setInodes(3))
        .addSnapshots(record(2, "active", "base", dev.acitrace.snapshotter.proto.Kind.ACTIVE, Map.of("a", "2")))
        .addSnapshots(record(3, "view", "base", dev.acitrace.snapshotter.proto.Kind.VIEW, Map.of()))
        .build());

    List<SnapshotInfo> migrated;
    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(root)) {
      migrated = snapshotter.list();
      assertThat(migrated).containsExactly(
          new SnapshotInfo("active", "base", Kind.ACTIVE, instant(T1), instant(T2), Map.of("a", "2")),
          new SnapshotInfo("base", "", Kind.COMMITTED, instant(T1), instant(T2), Map.of("c", "1")),
          new SnapshotInfo("view", "base", Kind.VIEW, instant(T1), instant(T2), Map.of()));
      assertThat(snapshotter.usage("base")).isEqualTo(new Usage(4096, 3));
      assertThat(Path.of(snapshotter.mounts("active").get(0).source()).resolve("f")).hasContent("child content");
      assertThat(snapshotter.mounts("view").get(0).options()).contains("ro");
      // next_id is kept: ids are never reused
      assertThat(Path.of(snapshotter.prepare("new", "base", Map.of()).get(0).source()).getFileName())
          .hasToString("9");
      snapshotter.remove("view");
    }
    assertThat(root.resolve("metadata.pb")).doesNotExist();
    assertThat(root.resolve("metadata.pb.migrated")).exists();
    assertThat(root.resolve("metadata.db")).exists();

    // a crash between the migration's commit and the rename leaves metadata.pb next to a full database:
    // the database wins, nothing is migrated twice (the removed view stays removed)
    Files.copy(root.resolve("metadata.pb.migrated"), root.resolve("metadata.pb"));
    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(root)) {
      assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("active", "base", "new");
    }
    assertThat(root.resolve("metadata.pb")).doesNotExist();
  }

  @Test
  void walk_overTenThousandSnapshots_readsBatchByBatch() throws IOException {
    Path root = temp.resolve("root");
    SnapshotStore.Builder legacy = SnapshotStore.newBuilder().setVersion(1).setNextId(1);
    for (int i = 1; i <= 10_000; i++) {
      legacy.addSnapshots(record(i, String.format("s%05d", i), "", dev.acitrace.snapshotter.proto.Kind.COMMITTED,
          Map.of("n", Integer.toString(i))));
    }
    Files.createDirectories(root);
    writeLegacy(root, legacy.build());

    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(root)) {
      List<String> visited = new ArrayList<>();
      snapshotter.walk(info -> {
        if (visited.isEmpty()) {
          // a walk that had read everything up front would still visit it
          snapshotter.remove("s10000");
        }
        visited.add(info.name());
      }, List.of());

      assertThat(visited).hasSize(9_999).startsWith("s00001").endsWith("s09999").doesNotContain("s10000");
      // filters are applied while streaming
      assertThat(snapshotter.list("labels.n~=^12.$")).extracting(SnapshotInfo::name)
          .containsExactly("s00120", "s00121", "s00122", "s00123", "s00124", "s00125", "s00126", "s00127",
              "s00128", "s00129");
    }
  }

  @Test
  void walk_stopsFilteringOnceTheCallIsCancelled() throws IOException {
    Path root = temp.resolve("root");
    SnapshotStore.Builder legacy = SnapshotStore.newBuilder().setVersion(1).setNextId(1);
    for (int i = 1; i <= 10_000; i++) {
      legacy.addSnapshots(record(i, String.format("s%05d", i), "", dev.acitrace.snapshotter.proto.Kind.COMMITTED,
          Map.of("a", "a".repeat(30) + "!")));
    }
    Files.createDirectories(root);
    writeLegacy(root, legacy.build());

    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(root)) {
      io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
      long[] visited = {0};
      assertThatThrownBy(() -> call.run(() -> snapshotter.walk(info -> {
        visited[0]++;
        call.cancel(null); // the caller goes away after the first answer
      }, List.of("labels.a~=\"(a|a){1,64}$\"", "name~=^s"))))
          .isInstanceOf(java.util.concurrent.CancellationException.class);
      // the walk ends with the batch it was in: far from 10,000
      assertThat(visited[0]).isPositive().isLessThanOrEqualTo(256);
    }
  }

  @Test
  void labels_countUtf8Bytes_likeContainerd() throws IOException {
    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(temp.resolve("root"))) {
      // 1 + 2 * 2047 = 4095 bytes; one more two-byte character makes 4097 (2049 chars: fine for UTF-16)
      snapshotter.prepare("fits", "", Map.of("k", "é".repeat(2047) + "x"));
      assertThatThrownBy(() -> snapshotter.prepare("big", "", Map.of("k", "é".repeat(2048))))
          .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("4097 bytes");
      assertThatThrownBy(() -> snapshotter.update(SnapshotInfo.forUpdate("fits", Map.of("k", "€".repeat(1366))),
          List.of("labels.k")))
          .isInstanceOf(InvalidArgumentException.class);
      assertThat(snapshotter.stat("fits").labels().get("k")).endsWith("x");
    }
  }

  @Test
  void keysAndNamesOverTheLimit_areInvalidArgument_andMessagesEchoABoundedPrefix() throws IOException {
    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(temp.resolve("root"))) {
      String huge = "k".repeat(1 << 20);
      assertThatThrownBy(() -> snapshotter.prepare(huge, "", Map.of()))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("bytes, more than 4096")
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(SnapshotLimits.ECHO_LIMIT + 200));
      snapshotter.prepare("a", "", Map.of());
      assertThatThrownBy(() -> snapshotter.commit("n".repeat(4097), "a", Map.of()))
          .isInstanceOf(InvalidArgumentException.class);
      snapshotter.commit("n".repeat(4096), "a", Map.of()); // exactly the limit is fine
      assertThatThrownBy(() -> snapshotter.stat(huge))
          .isInstanceOf(NotFoundException.class)
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(SnapshotLimits.ECHO_LIMIT + 200));
      assertThatThrownBy(() -> snapshotter.prepare("b", "", Map.of(huge, "")))
          .isInstanceOf(InvalidArgumentException.class)
          .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(SnapshotLimits.ECHO_LIMIT + 200));
    }
  }

  @Test
  void labelsTooLargeForOneListMessage_areInvalidArgument() throws IOException {
    try (DirectorySnapshotter snapshotter = DirectorySnapshotter.open(temp.resolve("root"))) {
      Map<String, String> labels = new java.util.HashMap<>();
      for (int i = 0; i < 1100; i++) {
        labels.put("label-" + i, "v".repeat(4000));
      }
      assertThatThrownBy(() -> snapshotter.prepare("k", "", labels))
          .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("1100 labels");
    }
  }

  private static SnapshotRecord.Builder record(long id, String name, String parent,
      dev.acitrace.snapshotter.proto.Kind kind, Map<String, String> labels) {
    return SnapshotRecord.newBuilder().setId(id).setName(name).setParent(parent).setKind(kind)
        .setCreatedAt(T1).setUpdatedAt(T2).putAllLabels(labels);
  }

  private static void writeLegacy(Path root, SnapshotStore store) throws IOException {
    Files.write(root.resolve("metadata.pb"), store.toByteArray());
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
