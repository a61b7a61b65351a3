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
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract every backend keeps, the same tests run on each: {@link DirectorySnapshotter} (copies,
 * bind mounts) and {@link OverlaySnapshotter} (layers, overlay mounts). What a snapshot's mounts show is
 * checked by looking through them: a bind mount's source directly, an overlay by mounting it (root and a
 * kernel with overlay, as containerd needs; elsewhere those checks are aborted, reported as skipped).
 */
class SnapshotterContractTest {

  enum Backend {
    DIRECTORY {
      @Override
      Snapshotter open(Path root) throws IOException {
        return DirectorySnapshotter.open(root);
      }
    },
    OVERLAY {
      @Override
      Snapshotter open(Path root) throws IOException {
        return OverlaySnapshotter.open(root);
      }
    };

    abstract Snapshotter open(Path root) throws IOException;
  }

  @TempDir
  Path temp;

  private final List<Path> mounted = new ArrayList<>();
  private final List<Snapshotter> opened = new ArrayList<>();

  @AfterEach
  void unmountAndClose() throws Exception {
    for (Path target : mounted) {
      run("umount", target.toString());
    }
    for (Snapshotter snapshotter : opened) {
      snapshotter.close();
    }
  }

  private Snapshotter open(Backend backend) throws IOException {
    Snapshotter snapshotter = backend.open(temp.resolve("root"));
    opened.add(snapshotter);
    return snapshotter;
  }

  // ------------------------------------------------------------------------------------- lifecycle

  @ParameterizedTest
  @EnumSource(Backend.class)
  void prepareWriteCommit_thenChildrenSeeTheLayer(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    List<Mount> first = s.prepare("extract-1", "", Map.of("containerd.io/snapshot.ref", "l1"));
    assertThat(first).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("bind");
      assertThat(m.options()).contains("rw").doesNotContain("ro");
    });
    Path upper = Path.of(first.get(0).source());
    Files.writeString(upper.resolve("a.txt"), "layer one\n");
    Files.createDirectories(upper.resolve("etc"));
    s.commit("layer-1", "extract-1", Map.of("l", "1"));
    assertThat(s.stat("layer-1")).satisfies(info -> {
      assertThat(info.kind()).isEqualTo(Kind.COMMITTED);
      assertThat(info.labels()).isEqualTo(Map.of("l", "1"));
    });
    assertThatThrownBy(() -> s.stat("extract-1")).isInstanceOf(NotFoundException.class);

    List<Mount> second = s.prepare("extract-2", "layer-1", Map.of());
    Path merged = look(second);
    assertThat(merged.resolve("a.txt")).hasContent("layer one");
    Files.writeString(merged.resolve("b.txt"), "layer two\n");
    Files.delete(merged.resolve("a.txt")); // a whiteout in the overlay's upper layer; a deletion in a copy
    s.commit("layer-2", "extract-2", Map.of());

    Path view = look(s.view("container-ro", "layer-2", Map.of()));
    assertThat(view.resolve("b.txt")).hasContent("layer two");
    assertThat(view.resolve("a.txt")).doesNotExist();
    assertThat(view.resolve("etc")).isDirectory();
    Path rw = look(s.prepare("container-rw", "layer-2", Map.of()));
    assertThat(rw.resolve("b.txt")).hasContent("layer two");
    assertThat(rw.resolve("a.txt")).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void viewMounts_areReadOnly_activeMounts_writable(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    s.prepare("a", "", Map.of());
    s.commit("base", "a", Map.of());
    assertThat(s.view("v", "base", Map.of())).allSatisfy(m -> assertThat(readOnly(m)).isTrue());
    assertThat(s.view("v0", "", Map.of())).allSatisfy(m -> assertThat(readOnly(m)).isTrue());
    List<Mount> prepared = s.prepare("p", "base", Map.of());
    assertThat(prepared).allSatisfy(m -> assertThat(readOnly(m)).isFalse());
    assertThat(s.mounts("p")).isEqualTo(prepared);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void usage_countsTheSnapshotsOwnFiles_neverFollowsSymlinks(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    Path upper = Path.of(s.prepare("a", "", Map.of()).get(0).source());
    Files.write(upper.resolve("data"), new byte[10_000]);
    Path outside = Files.write(temp.resolve("outside"), new byte[1_000_000]);
    Files.createSymbolicLink(upper.resolve("link"), outside);
    Files.createSymbolicLink(upper.resolve("dirlink"), temp);
    Usage active = s.usage("a");
    assertThat(active.size()).isBetween(10_000L, 100_000L);
    assertThat(active.inodes()).isEqualTo(4); // the directory, data, link, dirlink
    s.commit("c", "a", Map.of());
    assertThat(s.usage("c")).isEqualTo(active);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void errors_areTheContainerdOnes(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    s.prepare("a", "", Map.of());
    assertThatThrownBy(() -> s.prepare("a", "", Map.of())).isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> s.prepare("b", "missing", Map.of())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> s.prepare("b", "a", Map.of())).isInstanceOf(InvalidArgumentException.class);
    s.commit("c", "a", Map.of());
    assertThatThrownBy(() -> s.mounts("c")).isInstanceOf(FailedPreconditionException.class);
    s.view("v", "c", Map.of());
    assertThatThrownBy(() -> s.commit("d", "v", Map.of())).isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> s.remove("c")).isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> s.stat("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> s.usage("nope")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> s.prepare("", "", Map.of())).isInstanceOf(InvalidArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void labelsFiltersRemoveCleanupAndReopen(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    s.prepare("a", "", Map.of("x", "1"));
    s.commit("c", "a", Map.of("containerd.io/gc.root", "t"));
    s.prepare("p", "c", Map.of());
    SnapshotInfo updated = s.update(SnapshotInfo.forUpdate("c", Map.of("containerd.io/snapshot/y", "2")),
        List.of("labels.containerd.io/snapshot/y"));
    assertThat(updated.labels()).containsEntry("containerd.io/snapshot/y", "2").containsKey("containerd.io/gc.root");
    assertThat(s.list("kind==active")).extracting(SnapshotInfo::name).containsExactly("p");
    assertThat(s.list("parent==c")).extracting(SnapshotInfo::name).containsExactly("p");

    Path pDir = Path.of(s.mounts("p").get(0).options().stream().filter(o -> o.startsWith("upperdir="))
        .map(o -> o.substring("upperdir=".length())).findFirst().orElse(s.mounts("p").get(0).source()));
    Files.writeString(pDir.resolve("f"), "x");
    s.remove("p");
    assertThat(pDir).doesNotExist();
    Path snapshots = temp.resolve("root/snapshots");
    Files.createDirectory(snapshots.resolve("999")); // what a crash between mkdir and metadata leaves
    s.cleanup();
    assertThat(snapshots.resolve("999")).doesNotExist();

    s.close();
    opened.clear();
    Snapshotter again = open(backend);
    assertThat(again.list()).extracting(SnapshotInfo::name).containsExactly("c");
    assertThat(again.stat("c").labels()).containsEntry("containerd.io/snapshot/y", "2");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void newDirectories_haveExplicitModes_whateverTheUmask(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    s.prepare("a", "", Map.of());
    s.commit("c", "a", Map.of());
    Path dir = Path.of(look(s.view("v", "c", Map.of())).toString());
    if (backend == Backend.OVERLAY) {
      Path layer = Path.of(s.prepare("p", "c", Map.of()).get(0).options().stream()
          .filter(o -> o.startsWith("upperdir=")).findFirst().orElseThrow().substring("upperdir=".length()));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layer, LinkOption.NOFOLLOW_LINKS)))
          .isEqualTo("rwxr-xr-x");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
          layer.resolveSibling("work"), LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwx--x--x");
    }
    assertThat(dir).isDirectory();
  }

  // --------------------------------------------------------------------------------- overlay shape

  @ParameterizedTest
  @EnumSource(value = Backend.class, names = "OVERLAY")
  void overlay_mountsLikeContainerdsOverlayfs_andCommitCopiesNothing(Backend backend) throws Exception {
    Snapshotter s = open(backend);
    Path l1 = Path.of(s.prepare("a1", "", Map.of()).get(0).source());
    Files.writeString(l1.resolve("big"), "x".repeat(100_000));
    Object inode = Files.readAttributes(l1.resolve("big"), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    s.commit("l1", "a1", Map.of());
    s.prepare("a2", "l1", Map.of());
    s.commit("l2", "a2", Map.of());

    List<Mount> active = s.prepare("rw", "l2", Map.of());
    assertThat(active).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("overlay");
      assertThat(m.source()).isEqualTo("overlay");
      assertThat(m.options()).hasSize(3);
      assertThat(m.options().get(0)).startsWith("workdir=").endsWith("/work");
      assertThat(m.options().get(1)).startsWith("upperdir=").endsWith("/fs");
      // nearest parent first: l2's layer, then l1's (where "big" still is, never copied)
      String[] lower = m.options().get(2).substring("lowerdir=".length()).split(":");
      assertThat(lower).hasSize(2);
      assertThat(Path.of(lower[1]).resolve("big")).hasSameTextualContentAs(l1.resolve("big"));
      assertThat(Files.readAttributes(Path.of(lower[1]).resolve("big"),
          java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    });
    assertThat(s.view("v1", "l1", Map.of())).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("bind");
      assertThat(m.options()).containsExactly("ro", "rbind");
    });
    assertThat(s.view("v2", "l2", Map.of())).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("overlay");
      assertThat(m.options()).singleElement().asString().startsWith("lowerdir=");
    });
  }

  // ---------------------------------------------------------------------------------------- helpers

  private static boolean readOnly(Mount mount) {
    return mount.options().contains("ro") || (mount.type().equals("overlay")
        && mount.options().stream().noneMatch(o -> o.startsWith("upperdir=")));
  }

  /** A directory showing what the mounts show: a bind mount's source, or the overlay mounted. */
  private Path look(List<Mount> mounts) throws Exception {
    assertThat(mounts).hasSize(1);
    Mount mount = mounts.get(0);
    if (mount.type().equals("bind")) {
      return Path.of(mount.source());
    }
    String unavailable = OverlaySnapshotter.overlayUnavailable(temp.resolve("probe"));
    Assumptions.assumeTrue(unavailable == null, () -> "cannot look through an overlay mount here: " + unavailable);
    Path target = Files.createDirectories(temp.resolve("mnt-" + mounted.size()));
    String failed = run("mount", "-t", mount.type(), mount.source(), "-o", String.join(",", mount.options()),
        target.toString());
    assertThat(failed).as("mount " + mount).isNull();
    mounted.add(target);
    return target;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    return process.waitFor() == 0 ? null : output;
  }
}
