package dev.acitrace.snapshotter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * containerd's snapshotter operations in Java: the contract every snapshotter implementation, the
 * {@link TracingSnapshotter tracing decorator} and the gRPC binding speak.
 *
 * <p>A snapshot is <em>active</em> (writable, from {@link #prepare}), a <em>view</em> (read-only, from
 * {@link #view}) or <em>committed</em> (immutable, from {@link #commit}); active snapshots and views
 * are addressed by key, committed ones by name, and both live in one namespace. Only committed
 * snapshots can be parents.
 *
 * <p>Failures are reported with the subclasses of {@link SnapshotterException}:
 * {@link NotFoundException}, {@link AlreadyExistsException}, {@link FailedPreconditionException} and
 * {@link InvalidArgumentException}. Implementations are safe for concurrent use.
 */
public interface Snapshotter extends AutoCloseable {

  /**
   * Returns the info of a snapshot.
   *
   * @param key the key or name
   * @return the info
   * @throws NotFoundException if there is no such snapshot
   */
  SnapshotInfo stat(String key);

  /**
   * Updates the mutable fields (the labels) of a snapshot, as containerd's {@code Update} does.
   *
   * <p>With no field paths, the labels are replaced by {@code info.labels()}. Otherwise each path is
   * {@code labels} (replace all) or {@code labels.<key>} (set that label to its value in
   * {@code info}, or remove it when {@code info} has no value or an empty one for it). Any other path
   * is an {@link InvalidArgumentException}. Fields other than the name and labels are ignored.
   *
   * @param info the snapshot name and the new labels
   * @param fieldPaths the paths to update; may be empty
   * @return the info after the update
   * @throws NotFoundException if there is no such snapshot
   * @throws InvalidArgumentException if a field path is not updatable
   */
  SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths);

  /**
   * Returns the disk usage of a snapshot, excluding its parents.
   *
   * @param key the key or name
   * @return the usage
   * @throws NotFoundException if there is no such snapshot
   */
  Usage usage(String key);

  /**
   * Returns the mounts of an active snapshot or view.
   *
   * @param key the key
   * @return the mounts
   * @throws NotFoundException if there is no such snapshot
   * @throws FailedPreconditionException if the snapshot is committed
   */
  List<Mount> mounts(String key);

  /**
   * Creates an active snapshot, seeded with the content of {@code parent}.
   *
   * @param key the new key
   * @param parent a committed snapshot's name, or empty for an empty snapshot
   * @param labels the labels of the new snapshot
   * @return the mounts of the new snapshot
   * @throws AlreadyExistsException if the key is taken
   * @throws NotFoundException if the parent does not exist
   * @throws InvalidArgumentException if the key is empty or the parent is not committed
   */
  List<Mount> prepare(String key, String parent, Map<String, String> labels);

  /**
   * Creates a read-only view of {@code parent}.
   *
   * @param key the new key
   * @param parent a committed snapshot's name, or empty for an empty view
   * @param labels the labels of the new view
   * @return the mounts of the view
   * @throws AlreadyExistsException if the key is taken
   * @throws NotFoundException if the parent does not exist
   * @throws InvalidArgumentException if the key is empty or the parent is not committed
   */
  List<Mount> view(String key, String parent, Map<String, String> labels);

  /**
   * Freezes an active snapshot under a name; the key is gone afterwards.
   *
   * @param name the name of the committed snapshot
   * @param key the active snapshot's key
   * @param labels the labels of the committed snapshot
   * @throws NotFoundException if there is no such key
   * @throws AlreadyExistsException if the name is taken
   * @throws FailedPreconditionException if the snapshot is not active
   * @throws InvalidArgumentException if the name is empty
   */
  void commit(String name, String key, Map<String, String> labels);

  /**
   * Removes a snapshot and its content.
   *
   * @param key the key or name
   * @throws NotFoundException if there is no such snapshot
   * @throws FailedPreconditionException if other snapshots have it as parent
   */
  void remove(String key);

  /**
   * Calls {@code visitor} for every snapshot matching any of the filters.
   *
   * <p>Filters use containerd's syntax (see {@link SnapshotFilter}): within one filter the
   * comma-separated selectors must all match; a snapshot is visited when any filter matches it, or
   * always when there are no filters.
   *
   * @param visitor called once per matching snapshot, outside any lock of the implementation
   * @param filters the filters; may be empty
   * @throws InvalidArgumentException if a filter is malformed
   */
  void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters);

  /**
   * Returns the snapshots matching any of the filters, as {@link #walk} visits them.
   *
   * @param filters the filters; none to list all
   * @return the matching snapshots
   * @throws InvalidArgumentException if a filter is malformed
   */
  default List<SnapshotInfo> list(String... filters) {
    List<SnapshotInfo> result = new ArrayList<>();
    walk(result::add, Arrays.asList(filters));
    return result;
  }

  /** Releases resources no snapshot refers to any more (e.g. directories left by a crash). */
  void cleanup();

  /** Releases the snapshotter; further calls fail with {@link SnapshotterClosedException}. */
  @Override
  void close();
}
