package dev.acitrace.snapshotter.fs;

import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.storage.MetadataStore;
import dev.acitrace.snapshotter.storage.StoredSnapshot;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** A store that forwards everything; tests override what they want to break. */
class ForwardingStore implements MetadataStore {
  private final MetadataStore delegate;

  ForwardingStore(MetadataStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public Optional<StoredSnapshot> get(String key) {
    return delegate.get(key);
  }

  @Override
  public boolean containsId(long id) {
    return delegate.containsId(id);
  }

  @Override
  public long allocateId() {
    return delegate.allocateId();
  }

  @Override
  public void reserveIdsThrough(long id) {
    delegate.reserveIdsThrough(id);
  }

  @Override
  public StoredSnapshot create(long id, SnapshotInfo info) {
    return delegate.create(id, info);
  }

  @Override
  public StoredSnapshot commit(String key, String name, Map<String, String> labels, Usage usage, Instant now) {
    return delegate.commit(key, name, labels, usage, now);
  }

  @Override
  public SnapshotInfo updateLabels(String key, UnaryOperator<Map<String, String>> change, Instant now) {
    return delegate.updateLabels(key, change, now);
  }

  @Override
  public StoredSnapshot remove(String key) {
    return delegate.remove(key);
  }

  @Override
  public void walk(Predicate<? super SnapshotInfo> filter, Consumer<? super SnapshotInfo> visitor,
      BooleanSupplier cancelled) {
    delegate.walk(filter, visitor, cancelled);
  }

  @Override
  public boolean isEmpty() {
    return delegate.isEmpty();
  }

  @Override
  public void load(Iterable<StoredSnapshot> snapshots, long nextId) {
    delegate.load(snapshots, nextId);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
