package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file-system half of a snapshotter whose metadata {@link DirectorySnapshotter} keeps: what a new
 * snapshot's directory holds, where its content is, and how it is mounted. One metadata store, two
 * layouts: {@link #COPY} (containerd's "native": each snapshot a full copy of its parent) and
 * {@link OverlayLayout} (containerd's "overlayfs": each snapshot only its own changes, stacked at mount time).
 */
interface Layout {

  /**
   * Fills a new snapshot's directory.
   *
   * @param directory the snapshot's directory, just created and empty
   * @param parent the parent's directory, or null for a snapshot without parent
   * @param kind active or view
   */
  void populate(Path directory, Path parent, Kind kind) throws IOException;

  /** Where a snapshot's own content is: what is measured for its usage. */
  Path content(Path directory);

  /**
   * The mounts of an active snapshot or a view.
   *
   * @param directory the snapshot's directory
   * @param parents the directories of its parent, grandparent, ... (nearest first), empty if none
   */
  List<Mount> mounts(Kind kind, Path directory, List<Path> parents);

  /** Whether {@link #mounts} reads the parent chain (the copy layout does not; it is not computed then). */
  default boolean needsParents() {
    return true;
  }

  /** containerd's native snapshotter: a copy of the parent, bind-mounted. */
  Layout COPY = new Layout() {
    @Override
    public void populate(Path directory, Path parent, Kind kind) throws IOException {
      if (parent != null) {
        Trees.copyContent(parent, directory);
      }
    }

    @Override
    public Path content(Path directory) {
      return directory;
    }

    @Override
    public List<Mount> mounts(Kind kind, Path directory, List<Path> parents) {
      return List.of(Mount.bind(directory.toString(), kind == Kind.VIEW));
    }

    @Override
    public boolean needsParents() {
      return false;
    }
  };
}
