package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.SnapshotLimits;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.storage.MetadataStoreException;
import dev.acitrace.snapshotter.storage.SqliteMetadataStore;
import dev.acitrace.snapshotter.storage.StoredSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySnapshotterTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.123456789Z");

  @TempDir
  Path temp;

  private Path root;
  private DirectorySnapshotter snapshotter;

  @BeforeEach
  void open() throws IOException {
    root = temp.resolve("root");
    snapshotter = DirectorySnapshotter.open(root, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    snapshotter.close();
  }

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.snapshotter");
  }

  @Test
  void prepare_withoutParent_createsEmptyWritableDirectoryWithBindMount() throws IOException {
    List<Mount> mounts = snapshotter.prepare("k1", "", Map.of("a", "1"));

    assertThat(mounts).hasSize(1);
    Mount mount = mounts.get(0);
    assertThat(mount.type()).isEqualTo("bind");
    assertThat(mount.options()).containsExactly("rbind", "rw");
    assertThat(mount.target()).isEmpty();
    Path dir = Path.of(mount.source());
    assertThat(dir).isDirectory().startsWith(root);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
    SnapshotInfo info = snapshotter.stat("k1");
    assertThat(info).isEqualTo(new SnapshotInfo("k1", "", Kind.ACTIVE, NOW, NOW, Map.of("a", "1")));
  }

  @Test
  void prepare_withCommittedParent_seedsACopyOfTheParent() throws IOException {
    Path base = source(snapshotter.prepare("base-active", "", Map.of()));
    Files.createDirectories(base.resolve("etc"));
    Files.writeString(base.resolve("etc/hostname"), "parent\n");
    Files.createSymbolicLink(base.resolve("link"), Path.of("etc/hostname"));
    snapshotter.commit("base", "base-active", Map.of());

    Path child = source(snapshotter.prepare("child", "base", Map.of()));

    assertThat(child.resolve("etc/hostname")).hasContent("parent");
    assertThat(Files.isSymbolicLink(child.resolve("link"))).isTrue();
    assertThat(Files.readSymbolicLink(child.resolve("link"))).isEqualTo(Path.of("etc/hostname"));
    // a copy: writing the child leaves the committed parent untouched
    Files.writeString(child.resolve("etc/hostname"), "child\n");
    assertThat(base.resolve("etc/hostname")).hasContent("parent");
    assertThat(snapshotter.stat("child").parent()).isEqualTo("base");
  }

  @Test
  void view_isReadOnlyBindMountOfAParentCopy() throws IOException {
    Path base = source(snapshotter.prepare("a", "", Map.of()));
    Files.writeString(base.resolve("f"), "x");
    snapshotter.commit("c", "a", Map.of());

    List<Mount> mounts = snapshotter.view("v", "c", Map.of("l", "v"));

    assertThat(mounts).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("bind");
      assertThat(m.options()).containsExactly("rbind", "ro");
      assertThat(Path.of(m.source()).resolve("f")).hasContent("x");
    });
    assertThat(snapshotter.stat("v").kind()).isEqualTo(Kind.VIEW);
    assertThat(snapshotter.mounts("v")).isEqualTo(mounts);
  }

  @Test
  void prepare_existingKey_isAlreadyExists() {
    snapshotter.prepare("k", "", Map.of());
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of()))
        .isInstanceOf(AlreadyExistsException.class).hasMessageContaining("k");
    assertThatThrownBy(() -> snapshotter.view("k", "", Map.of())).isInstanceOf(AlreadyExistsException.class);
  }

  @Test
  void prepare_missingParent_isNotFound_andLeavesNoDirectory() throws IOException {
    assertThatThrownBy(() -> snapshotter.prepare("k", "nope", Map.of()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("nope");
    try (var dirs = Files.list(root.resolve("snapshots"))) {
      assertThat(dirs).isEmpty();
    }
    assertThat(snapshotter.list()).isEmpty();
  }

  @Test
  void prepare_activeParent_isInvalidArgument() {
    snapshotter.prepare("active", "", Map.of());
    assertThatThrownBy(() -> snapshotter.prepare("k", "active", Map.of()))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("not a committed");
  }

  @Test
  void nullLabels_failFastNamingTheArgument_beforeAnythingIsCreated() {
    assertThatThrownBy(() -> SnapshotLimits.checkLabels(null))
        .isInstanceOf(NullPointerException.class).hasMessage("labels");
    assertThatThrownBy(() -> snapshotter.prepare("k", "", null))
        .isInstanceOf(NullPointerException.class).hasMessage("labels");
    snapshotter.prepare("active", "", Map.of());
    assertThatThrownBy(() -> snapshotter.commit("layer", "active", null))
        .isInstanceOf(NullPointerException.class).hasMessage("labels");
    assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("active");
  }

  @Test
  void emptyKeys_areInvalidArgument() {
    assertThatThrownBy(() -> snapshotter.prepare("", "", Map.of())).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.view("", "", Map.of())).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.stat("")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.mounts("")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.usage("")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.remove("")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.commit("", "k", Map.of()))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> snapshotter.update(SnapshotInfo.forUpdate("", Map.of()), List.of()))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void invalidLabels_areInvalidArgument() {
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of("", "v")))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of("big", "x".repeat(5000))))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("big");
  }

  @Test
  void unknownKeys_areNotFound() {
    assertThatThrownBy(() -> snapshotter.stat("x")).isInstanceOf(NotFoundException.class).hasMessageContaining("x");
    assertThatThrownBy(() -> snapshotter.mounts("x")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> snapshotter.usage("x")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> snapshotter.remove("x")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> snapshotter.commit("n", "x", Map.of())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> snapshotter.update(SnapshotInfo.forUpdate("x", Map.of()), List.of()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void commit_freezesUnderNameWithLabelsAndUsage_andKeyIsGone() throws IOException {
    Path dir = source(snapshotter.prepare("k", "", Map.of("old", "1")));
    Files.write(dir.resolve("data"), new byte[1000]);
    Usage active = snapshotter.usage("k");

    snapshotter.commit("name", "k", Map.of("new", "2"));

    assertThatThrownBy(() -> snapshotter.stat("k")).isInstanceOf(NotFoundException.class);
    SnapshotInfo info = snapshotter.stat("name");
    assertThat(info.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(info.labels()).containsExactly(Map.entry("new", "2"));
    assertThat(snapshotter.usage("name")).isEqualTo(active);
    assertThat(active.size()).isGreaterThanOrEqualTo(1000);
    assertThat(active.inodes()).isEqualTo(2); // the directory and the file
  }

  @Test
  void commit_ofViewOrCommitted_isFailedPrecondition() {
    snapshotter.prepare("a", "", Map.of());
    snapshotter.commit("c", "a", Map.of());
    snapshotter.view("v", "c", Map.of());
    assertThatThrownBy(() -> snapshotter.commit("n", "v", Map.of()))
        .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("view");
    assertThatThrownBy(() -> snapshotter.commit("n", "c", Map.of()))
        .isInstanceOf(FailedPreconditionException.class);
  }

  @Test
  void commit_toTakenName_isAlreadyExists_andKeepsTheActiveSnapshot() {
    snapshotter.prepare("a", "", Map.of());
    snapshotter.prepare("b", "", Map.of());
    assertThatThrownBy(() -> snapshotter.commit("b", "a", Map.of())).isInstanceOf(AlreadyExistsException.class);
    assertThat(snapshotter.stat("a").kind()).isEqualTo(Kind.ACTIVE);
  }

  @Test
  void mounts_ofCommitted_isFailedPrecondition() {
    snapshotter.prepare("a", "", Map.of());
    snapshotter.commit("c", "a", Map.of());
    assertThatThrownBy(() -> snapshotter.mounts("c")).isInstanceOf(FailedPreconditionException.class);
  }

  @Test
  void usage_measuresActiveSnapshotOnDisk_countingHardLinksOnce() throws IOException {
    Path dir = source(snapshotter.prepare("k", "", Map.of()));
    assertThat(snapshotter.usage("k").inodes()).isEqualTo(1);
    Files.write(dir.resolve("f"), new byte[4321]);
    Files.createLink(dir.resolve("hard"), dir.resolve("f"));

    Usage usage = snapshotter.usage("k");

    assertThat(usage.inodes()).isEqualTo(2);
    assertThat(usage.size()).isGreaterThanOrEqualTo(4321).isLessThan(2 * 4321);
  }

  @Test
  void remove_deletesMetadataAndDirectory() {
    Path dir = source(snapshotter.prepare("k", "", Map.of()));
    snapshotter.remove("k");
    assertThat(dir).doesNotExist();
    assertThat(snapshotter.list()).isEmpty();
  }

  @Test
  void remove_parentWithChildren_isFailedPrecondition_untilChildrenAreGone() {
    snapshotter.prepare("a", "", Map.of());
    snapshotter.commit("p", "a", Map.of());
    snapshotter.prepare("child", "p", Map.of());

    assertThatThrownBy(() -> snapshotter.remove("p"))
        .isInstanceOf(FailedPreconditionException.class).hasMessageContaining("child");

    snapshotter.remove("child");
    snapshotter.remove("p");
    assertThat(snapshotter.list()).isEmpty();
  }

  @Test
  void update_withoutPaths_replacesLabels() {
    snapshotter.prepare("k", "", Map.of("a", "1", "b", "2"));
    Instant later = NOW.plusSeconds(60);
    DirectorySnapshotter reopened = reopenWithClock(later);

    SnapshotInfo updated = reopened.update(SnapshotInfo.forUpdate("k", Map.of("c", "3")), List.of());

    assertThat(updated.labels()).containsExactly(Map.entry("c", "3"));
    assertThat(updated.createdAt()).isEqualTo(NOW);
    assertThat(updated.updatedAt()).isEqualTo(later);
    assertThat(updated.kind()).isEqualTo(Kind.ACTIVE);
  }

  @Test
  void update_labelPaths_setAndRemoveSingleLabels_likeContainerd() {
    snapshotter.prepare("k", "", Map.of("keep", "1", "gone", "2", "change", "3"));
    // containerd sends the zero time and the paths it wants changed; absent or empty values remove
    SnapshotInfo request = new SnapshotInfo("k", "", Kind.UNKNOWN,
        Instant.ofEpochSecond(-62135596800L), Instant.ofEpochSecond(-62135596800L),
        Map.of("change", "30", "add", "4", "dotted.key/x", "5"));

    SnapshotInfo updated = snapshotter.update(request,
        List.of("labels.gone", "labels.change", "labels.add", "labels.dotted.key/x"));

    assertThat(updated.labels()).containsOnly(
        Map.entry("keep", "1"), Map.entry("change", "30"), Map.entry("add", "4"), Map.entry("dotted.key/x", "5"));
    assertThat(updated.createdAt()).isEqualTo(NOW);
    assertThat(snapshotter.stat("k")).isEqualTo(updated);
  }

  @Test
  void update_labelsPath_replacesAll_andOtherPathsAreInvalid() {
    snapshotter.prepare("k", "", Map.of("a", "1"));
    assertThat(snapshotter.update(SnapshotInfo.forUpdate("k", Map.of("b", "2")), List.of("labels")).labels())
        .containsExactly(Map.entry("b", "2"));
    assertThatThrownBy(() -> snapshotter.update(SnapshotInfo.forUpdate("k", Map.of()), List.of("parent")))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("parent");
    assertThat(snapshotter.stat("k").labels()).containsExactly(Map.entry("b", "2"));
  }

  @Test
  void walk_appliesFilters() {
    snapshotter.prepare("a", "", Map.of("env", "prod"));
    snapshotter.commit("base", "a", Map.of("env", "prod"));
    snapshotter.prepare("b", "base", Map.of("env", "dev"));
    snapshotter.view("v", "base", Map.of());

    assertThat(names()).containsExactlyInAnyOrder("base", "b", "v");
    assertThat(names("kind==committed")).containsExactly("base");
    assertThat(names("parent==base")).containsExactlyInAnyOrder("b", "v");
    assertThat(names("labels.env==prod", "name==v")).containsExactlyInAnyOrder("base", "v");
    assertThat(names("parent==base,labels.env")).containsExactly("b");
    assertThatThrownBy(() -> snapshotter.list("name=")).isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void restart_readsBackEverythingUnchanged() throws IOException {
    Path dir = source(snapshotter.prepare("a", "", Map.of("l", "1")));
    Files.writeString(dir.resolve("f"), "content");
    snapshotter.commit("base", "a", Map.of("c", "2"));
    snapshotter.prepare("active", "base", Map.of());
    snapshotter.view("view", "base", Map.of("v", "3"));
    snapshotter.update(SnapshotInfo.forUpdate("view", Map.of("w", "4")), List.of("labels.w"));
    List<SnapshotInfo> before = sorted(snapshotter.list());
    Usage usage = snapshotter.usage("base");
    List<Mount> mounts = snapshotter.mounts("active");
    snapshotter.close();

    snapshotter = DirectorySnapshotter.open(root, Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC));

    assertThat(sorted(snapshotter.list())).isEqualTo(before);
    assertThat(snapshotter.usage("base")).isEqualTo(usage);
    assertThat(snapshotter.mounts("active")).isEqualTo(mounts);
    assertThat(Path.of(mounts.get(0).source()).resolve("f")).hasContent("content");
    // ids are not reused after a restart
    assertThat(source(snapshotter.prepare("new", "", Map.of())).getFileName().toString()).isEqualTo("4");
  }

  @Test
  void open_rootHeldByAnotherSnapshotter_fails() {
    assertThatThrownBy(() -> DirectorySnapshotter.open(root))
        .isInstanceOf(IOException.class).hasMessageContaining("in use");
  }

  @Test
  void open_rootIsAFile_fails() throws IOException {
    Path file = Files.writeString(temp.resolve("file"), "x");
    assertThatThrownBy(() -> DirectorySnapshotter.open(file)).isInstanceOf(IOException.class);
  }

  @Test
  void open_corruptMetadata_failsNamingTheFile() throws IOException {
    snapshotter.close();
    Files.write(root.resolve("metadata.pb"), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertThatThrownBy(() -> DirectorySnapshotter.open(root))
        .isInstanceOf(IOException.class).hasMessageContaining("metadata.pb");
  }

  @Test
  void open_leftoverTemporaryMetadata_isIgnored_andCommittedStateWins() throws IOException {
    snapshotter.prepare("kept", "", Map.of());
    snapshotter.close();
    // a crash between writing the temporary file and renaming it leaves the old file authoritative
    Files.write(root.resolve("metadata.pb.tmp"), new byte[] {1, 2, 3});

    snapshotter = DirectorySnapshotter.open(root);

    assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("kept");
  }

  @Test
  void cleanup_removesOnlyUnreferencedDirectories() throws IOException {
    Path kept = source(snapshotter.prepare("k", "", Map.of()));
    Path orphan = Files.createDirectories(root.resolve("snapshots/999"));
    Files.writeString(orphan.resolve("f"), "left by a crash");

    snapshotter.cleanup();

    assertThat(orphan).doesNotExist();
    assertThat(kept).isDirectory();
  }

  @Test
  void failedMetadataWrite_keepsTheNewDirectory_forCleanupToJudge() throws IOException {
    snapshotter.close();
    // the transaction failed before reaching the disk
    snapshotter = DirectorySnapshotter.open(root, Clock.systemUTC(), file -> new FailingCreate(file, false));
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of()))
        .isInstanceOf(MetadataStoreException.class).hasMessageContaining("metadata");
    // the commit might have reached the disk and name the directory: it must not be deleted here
    assertThat(snapshotDirectories()).isEqualTo(1);
    assertThat(snapshotter.list()).isEmpty();
    snapshotter.cleanup(); // unreferenced after all: cleanup removes it
    assertThat(snapshotDirectories()).isZero();
  }

  @Test
  void failedMetadataWriteThatReachedTheDisk_keepsASnapshotWithItsDirectory() throws IOException {
    snapshotter.close();
    // the transaction was committed but its fsync reported a failure
    snapshotter = DirectorySnapshotter.open(root, Clock.systemUTC(), file -> new FailingCreate(file, true));
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of())).isInstanceOf(MetadataStoreException.class);
    snapshotter.cleanup();
    assertThat(snapshotter.list()).extracting(SnapshotInfo::name).containsExactly("k");
    assertThat(source(snapshotter.mounts("k"))).isDirectory();
  }

  private long snapshotDirectories() throws IOException {
    try (var children = Files.list(root.resolve("snapshots"))) {
      return children.count();
    }
  }

  /** A real store whose create fails, after or before writing. */
  private static final class FailingCreate extends ForwardingStore {
    private final boolean write;

    FailingCreate(Path file, boolean write) throws IOException {
      super(SqliteMetadataStore.open(file));
      this.write = write;
    }

    @Override
    public StoredSnapshot create(long id, SnapshotInfo info) {
      if (write) {
        super.create(id, info);
      }
      throw new MetadataStoreException("cannot write snapshot metadata: disk on fire", new IOException("EIO"));
    }
  }

  @Test
  void orphanDirectoryFromACrash_isNeverReusedAsAnId() throws IOException {
    snapshotter.close();
    Files.createDirectories(root.resolve("snapshots/7"));
    snapshotter = DirectorySnapshotter.open(root);

    assertThat(source(snapshotter.prepare("k", "", Map.of())).getFileName().toString()).isEqualTo("8");
  }

  @Test
  void close_makesFurtherCallsFail_andReleasesTheRoot() throws IOException {
    snapshotter.close();
    assertThatThrownBy(() -> snapshotter.stat("k"))
        .isInstanceOf(dev.acitrace.snapshotter.SnapshotterClosedException.class);
    assertThatThrownBy(() -> snapshotter.prepare("k", "", Map.of()))
        .isInstanceOf(dev.acitrace.snapshotter.SnapshotterClosedException.class);
    snapshotter.close(); // idempotent
    snapshotter = DirectorySnapshotter.open(root);
    assertThat(snapshotter.list()).isEmpty();
  }

  @Test
  void concurrentPrepareOfOneKey_exactlyOneWins() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 5; round++) {
        String key = "k" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          results.add(pool.submit(() -> {
            start.await();
            try {
              snapshotter.prepare(key, "", Map.of());
              return true;
            } catch (AlreadyExistsException e) {
              return false;
            }
          }));
        }
        start.countDown();
        int wins = 0;
        for (Future<Boolean> result : results) {
          wins += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(wins).as("round %d", round).isEqualTo(1);
      }
      assertThat(snapshotter.list()).hasSize(5);
      try (var dirs = Files.list(root.resolve("snapshots"))) {
        assertThat(dirs).hasSize(5); // the losers left no directory behind
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentCommitRemoveAndPrepareOnOneKey_leaveConsistentState() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 10; round++) {
        String key = "active" + round;
        String name = "committed" + round;
        String child = "child" + round;
        snapshotter.prepare(key, "", Map.of());
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<String>> tasks = List.of(
            () -> attempt(start, () -> snapshotter.commit(name, key, Map.of())),
            () -> attempt(start, () -> snapshotter.remove(key)),
            () -> attempt(start, () -> snapshotter.prepare(child, name, Map.of())),
            () -> attempt(start, () -> snapshotter.usage(key)));
        List<Future<String>> futures = new ArrayList<>();
        for (Callable<String> task : tasks) {
          futures.add(pool.submit(task));
        }
        start.countDown();
        for (Future<String> future : futures) {
          assertThat(future.get(30, TimeUnit.SECONDS)).isIn("ok", "NotFoundException", "InvalidArgumentException");
        }
        // invariants: every parent exists and is committed; every snapshot has its directory
        List<SnapshotInfo> all = snapshotter.list();
        for (SnapshotInfo info : all) {
          if (!info.parent().isEmpty()) {
            assertThat(snapshotter.stat(info.parent()).kind()).isEqualTo(Kind.COMMITTED);
          }
          if (info.kind() != Kind.COMMITTED) {
            assertThat(Path.of(snapshotter.mounts(info.name()).get(0).source())).isDirectory();
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String attempt(CountDownLatch start, Runnable action) throws InterruptedException {
    start.await();
    try {
      action.run();
      return "ok";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName();
    }
  }

  private DirectorySnapshotter reopenWithClock(Instant now) {
    snapshotter.close();
    try {
      snapshotter = DirectorySnapshotter.open(root, Clock.fixed(now, ZoneOffset.UTC));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return snapshotter;
  }

  private List<String> names(String... filters) {
    return snapshotter.list(filters).stream().map(SnapshotInfo::name).toList();
  }

  private static List<SnapshotInfo> sorted(List<SnapshotInfo> infos) {
    List<SnapshotInfo> copy = new ArrayList<>(infos);
    copy.sort((a, b) -> a.name().compareTo(b.name()));
    return Collections.unmodifiableList(copy);
  }

  private static Path source(List<Mount> mounts) {
    return Path.of(mounts.get(0).source());
  }
}
