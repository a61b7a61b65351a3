package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * containerd's overlayfs layout: each snapshot holds only its own changes in {@code <dir>/fs} (the
 * overlay's upper directory while active, a lower directory once committed, so committing copies
 * nothing) and a {@code <dir>/work} directory for the kernel. Mounts as containerd's overlayfs
 * snapshotter returns them:
 *
 * <ul>
 *   <li>no parent: a bind mount of the snapshot's own {@code fs} ({@code rw} when active, {@code ro}
 *       for a view), since overlay needs a lower layer;
 *   <li>a view of a single layer: a read-only bind mount of the parent's {@code fs};
 *   <li>an active snapshot: {@code overlay} with {@code workdir=}, {@code upperdir=} and
 *       {@code lowerdir=} the parents' {@code fs}, nearest first;
 *   <li>a view of several layers: {@code overlay} with {@code lowerdir=} only (read-only).
 * </ul>
 *
 * Whiteouts and opaque directories are the kernel's business (they live in {@code fs} as the kernel writes
 * them). Directories are created with explicit modes whatever the umask: {@code fs} 0755 (taking the
 * owner of the parent's {@code fs}, as containerd does, so an unprivileged container user keeps its
 * root), {@code work} 0711.
 */
final class OverlayLayout implements Layout {

  static final OverlayLayout INSTANCE = new OverlayLayout();

  private OverlayLayout() {}

  @Override
  public void populate(Path directory, Path parent, Kind kind) throws IOException {
    Path fs = directory.resolve("fs");
    Trees.createDirectory(fs); // 0755 whatever the umask
    Path work = directory.resolve("work");
    Trees.createDirectory(work);
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
    if (parent != null) {
      PosixFileAttributes owner = Files.readAttributes(parent.resolve("fs"), PosixFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      PosixFileAttributeView view = Files.getFileAttributeView(fs, PosixFileAttributeView.class,
          LinkOption.NOFOLLOW_LINKS);
      if (!owner.owner().equals(view.getOwner())) {
        view.setOwner(owner.owner());
      }
      GroupPrincipal group = owner.group();
      if (!group.equals(view.readAttributes().group())) {
        view.setGroup(group);
      }
    }
  }

  @Override
  public Path content(Path directory) {
    return directory.resolve("fs");
  }

  @Override
  public List<Mount> mounts(Kind kind, Path directory, List<Path> parents) {
    if (parents.isEmpty()) {
      return List.of(new Mount("bind", content(directory).toString(), "",
          List.of(kind == Kind.VIEW ? "ro" : "rw", "rbind")));
    }
    List<String> options = new ArrayList<>(3);
    if (kind == Kind.ACTIVE) {
      options.add("workdir=" + directory.resolve("work"));
      options.add("upperdir=" + content(directory));
    } else if (parents.size() == 1) {
      return List.of(new Mount("bind", content(parents.get(0)).toString(), "", List.of("ro", "rbind")));
    }
    StringBuilder lower = new StringBuilder("lowerdir=");
    for (int i = 0; i < parents.size(); i++) {
      if (i > 0) {
        lower.append(':');
      }
      lower.append(content(parents.get(i)));
    }
    options.add(lower.toString());
    return List.of(new Mount("overlay", "overlay", "", options));
  }
}
