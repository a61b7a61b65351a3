package dev.acitrace.snapshotter.storage;

import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.SnapshotterClosedException;
import dev.acitrace.snapshotter.Usage;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Durable snapshot metadata, independent of how snapshot content is stored (containerd's
 * {@code snapshots/storage} in Java).
 *
 * <p>Every method is one transaction: a change is durable when the method returns, and a crash at any
 * point leaves the state before or after it, never a mix. Changes check containerd's rules inside their
 * transaction (the key is free, the parent is committed, a parent is not removed, ...) and fail with the
 * snapshotter API's exceptions, naming at most a bounded prefix of a key. Keys, names and labels are
 * checked against {@link dev.acitrace.snapshotter.SnapshotLimits}. I/O failures are
 * {@link MetadataStoreException}; calls after {@link #close()} are {@link SnapshotterClosedException}.
 * Implementations are safe for concurrent use; callers serialize operations on one key if they need
 * more than one call to be atomic.
 */
public interface MetadataStore extends AutoCloseable {

  /**
   * Looks a snapshot up.
   *
   * @param key the key or name
   * @return the snapshot, or empty
   */
  Optional<StoredSnapshot> get(String key);

  /**
   * Looks a snapshot up, failing when it is absent.
   *
   * @param key the key or name
   * @return the snapshot
   * @throws NotFoundException if there is no such snapshot
   */
  default StoredSnapshot require(String key) {
    return get(key).orElseThrow(() -> new NotFoundException(
        "snapshot " + dev.acitrace.snapshotter.SnapshotLimits.quote(key) + " does not exist"));
  }

  /**
   * Whether any snapshot uses a content id.
   *
   * @param id the id
   * @return true when a stored snapshot has it
   */
  boolean containsId(long id);

  /**
   * Hands out a fresh content id: never one a stored snapshot has or had, nor one handed out before in
   * this process. Ids become durable with the snapshot that uses them.
   *
   * @return the id
   */
  long allocateId();

  /**
   * Makes sure {@link #allocateId()} never returns {@code id} or less, e.g. when the backend finds
   * content a crash left behind before its metadata was written.
   *
   * @param id the highest id known to be in use
   */
  void reserveIdsThrough(long id);

  /**
   * Stores a new active snapshot or view.
   *
   * @param id its content id, from {@link #allocateId()}
   * @param info its info (kind {@code ACTIVE} or {@code VIEW})
   * @return the stored snapshot
   * @throws AlreadyExistsException if the key is taken
   * @throws NotFoundException if the parent does not exist
   * @throws InvalidArgumentException if the parent is not committed, or a size limit is broken
   */
  StoredSnapshot create(long id, SnapshotInfo info);

  /**
   * Turns an active snapshot into a committed one under a new name, keeping its content id.
   *
   * @param key the active snapshot's key
   * @param name the committed name
   * @param labels the committed snapshot's labels
   * @param usage the usage to record
   * @param now the creation and update time of the committed snapshot
   * @return the committed snapshot
   * @throws NotFoundException if there is no such key
   * @throws FailedPreconditionException if the snapshot is not active
   * @throws AlreadyExistsException if the name is taken
   * @throws InvalidArgumentException if a size limit is broken
   */
  StoredSnapshot commit(String key, String name, Map<String, String> labels, Usage usage, Instant now);

  /**
   * Replaces a snapshot's labels with what {@code change} computes from the current ones.
   *
   * @param key the key or name
   * @param change computes the new labels from the current ones, inside the transaction
   * @param now the update time
   * @return the updated info
   * @throws NotFoundException if there is no such snapshot
   * @throws InvalidArgumentException if the new labels break a size limit
   */
  SnapshotInfo updateLabels(String key, UnaryOperator<Map<String, String>> change, Instant now);

  /**
   * Forgets a snapshot.
   *
   * @param key the key or name
   * @return what was removed (its content id, for the caller to delete the content afterwards)
   * @throws NotFoundException if there is no such snapshot
   * @throws FailedPreconditionException if another snapshot has it as parent
   */
  StoredSnapshot remove(String key);

  /**
   * Visits the snapshots {@code filter} accepts, in key order, reading them in bounded batches: at no
   * time does the walk hold more than one batch, and {@code visitor} runs outside any transaction (it may
   * call this store). A snapshot changed or added during the walk may or may not be seen; none is seen
   * twice.
   *
   * @param filter which snapshots to visit
   * @param visitor called for each
   * @param cancelled checked before every batch; when it answers true the walk stops
   * @throws CancellationException when {@code cancelled} stopped the walk
   */
  void walk(Predicate<? super SnapshotInfo> filter, Consumer<? super SnapshotInfo> visitor,
      BooleanSupplier cancelled);

  /**
   * Whether the store holds no snapshot.
   *
   * @return true when empty
   */
  boolean isEmpty();

  /**
   * Loads snapshots into an empty store in one transaction (migration from another format).
   *
   * @param snapshots the snapshots, with their ids
   * @param nextId the lowest id {@link #allocateId()} may hand out afterwards
   * @throws IllegalStateException if the store is not empty
   */
  void load(Iterable<StoredSnapshot> snapshots, long nextId);

  /** Closes the database; further calls fail with {@link SnapshotterClosedException}. */
  @Override
  void close();
}
