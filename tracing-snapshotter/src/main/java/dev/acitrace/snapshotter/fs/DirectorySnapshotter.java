package dev.acitrace.snapshotter.fs;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotFilter;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.SnapshotterClosedException;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.SnapshotRecord;
import dev.acitrace.snapshotter.proto.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link Snapshotter} that keeps every snapshot as a plain directory, like containerd's "native"
 * snapshotter: it works on any file system and needs no kernel feature beyond bind mounts.
 *
 * <ul>
 *   <li>{@link #prepare} creates a writable directory seeded with a copy of the parent's content;
 *       {@link #view} a read-only one. Their mounts are one bind mount
 *       ({@code type bind}, options {@code rbind,rw} or {@code rbind,ro}).
 *   <li>{@link #commit} freezes an active snapshot under a name and records its usage; the directory
 *       stays where it is, only the metadata changes.
 *   <li>{@link #usage} measures active snapshots and views on disk, and reports the usage recorded at
 *       commit time for committed ones.
 *   <li>{@link #remove} refuses a snapshot that is some other snapshot's parent.
 * </ul>
 *
 * <p>Layout under the root: {@code metadata.pb} (all metadata, replaced atomically and durably on
 * every change, see {@code MetadataFile}), {@code snapshots/<id>/} (one directory per snapshot; ids
 * are never reused) and {@code lock} (held while open, so two processes never share a root).
 * Directories are created before and deleted after the metadata that names them, so a crash can leave
 * only unreferenced directories, which {@link #cleanup()} deletes.
 *
 * <p>Thread safety: operations on one key are serialized by per-key locks (operations naming two keys
 * take both); metadata changes are serialized by one lock held only for the in-memory update and the
 * metadata write, never while file trees are copied or measured.
 */
public final class DirectorySnapshotter implements Snapshotter {

  private static final Logger logger = Logger.getLogger(DirectorySnapshotter.class.getName());

  /** containerd's limit on one label: key and value together (labels.Validate). */
  static final int MAX_LABEL_SIZE = 4096;

  private final Path root;
  private final Path snapshots;
  private final MetadataFile metadata;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Clock clock;
  private final Layout layout;
  private final KeyLocks keyLocks = new KeyLocks();
  private final Object metadataLock = new Object();
  /** Ids of directories being created, not yet in the metadata; cleanup must leave them alone. */
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();

  /** Immutable; replaced under {@link #metadataLock}, read without it. */
  private volatile State state;
  private volatile boolean closed;

  private DirectorySnapshotter(Path root, MetadataFile metadata, FileChannel lockChannel, FileLock lock,
      State state, Clock clock, Layout layout) {
    this.root = root;
    this.layout = layout;
    this.snapshots = root.resolve("snapshots");
    this.metadata = metadata;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.state = state;
    this.clock = clock;
  }

  /**
   * Opens (creating if needed) a snapshotter rooted at {@code root}.
   *
   * @param root the root directory
   * @return the snapshotter; close it to release the root
   * @throws IOException if the root cannot be created or written, its metadata is corrupt, or another
   *     snapshotter holds it
   */
  public static DirectorySnapshotter open(Path root) throws IOException {
    return open(root, Clock.systemUTC());
  }

  static DirectorySnapshotter open(Path root, Clock clock) throws IOException {
    return open(root, clock, Layout.COPY);
  }

  static DirectorySnapshotter open(Path root, Clock clock, Layout layout) throws IOException {
    requireNonNull(root, "root");
    requireNonNull(clock, "clock");
    Path absolute = root.toAbsolutePath().normalize();
    if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
      throw new NotDirectoryException(absolute + " exists and is not a directory");
    }
    Files.createDirectories(absolute);
    Files.createDirectories(absolute.resolve("snapshots"));
    FileChannel channel = FileChannel.open(absolute.resolve("lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock fileLock;
    try {
      fileLock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      fileLock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (fileLock == null) {
      channel.close();
      throw new IOException("snapshotter root " + absolute + " is in use by another snapshotter");
    }
    try {
      MetadataFile metadata = new MetadataFile(absolute);
      State state = State.from(metadata.read(), highestDirectoryId(absolute.resolve("snapshots")));
      // prove the root writable now rather than on the first request
      metadata.write(state.toStore());
      return new DirectorySnapshotter(absolute, metadata, channel, fileLock, state, clock, layout);
    } catch (IOException | RuntimeException e) {
      fileLock.release();
      channel.close();
      throw e;
    }
  }

  /**
   * The root directory.
   *
   * @return the absolute root
   */
  public Path root() {
    return root;
  }

  @Override
  public SnapshotInfo stat(String key) {
    checkOpen();
    return get(state, requireKey(key, "key")).info();
  }

  @Override
  public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
    checkOpen();
    requireNonNull(info, "info");
    requireNonNull(fieldPaths, "fieldPaths");
    String key = requireKey(info.name(), "info.name");
    for (String path : fieldPaths) {
      if (!path.equals("labels") && !(path.startsWith("labels.") && path.length() > "labels.".length())) {
        throw new InvalidArgumentException("cannot update field \"" + path + "\" of snapshot " + key
            + ": only labels and labels.<key> are updatable");
      }
    }
    try (KeyLocks.Held ignored = keyLocks.lock(key)) {
      Map<String, String> updated = new HashMap<>(get(state, key).info().labels());
      if (fieldPaths.isEmpty()) {
        updated = new HashMap<>(info.labels());
      } else {
        for (String path : fieldPaths) {
          if (path.equals("labels")) {
            updated = new HashMap<>(info.labels());
          } else {
            String label = path.substring("labels.".length());
            updated.put(label, info.labels().getOrDefault(label, ""));
          }
        }
      }
      // as in containerd, a label set to the empty string is removed
      updated.values().removeIf(String::isEmpty);
      validateLabels(updated);
      Map<String, String> labels = updated;
      return mutate(s -> {
        Entry entry = get(s, key);
        Entry changed = entry.with(entry.info().withLabels(labels, now()));
        return new Change(s.put(changed), changed.info());
      });
    }
  }

  @Override
  public Usage usage(String key) {
    checkOpen();
    requireKey(key, "key");
    try (KeyLocks.Held ignored = keyLocks.lock(key)) {
      Entry entry = get(state, key);
      if (entry.info().kind() == Kind.COMMITTED) {
        return entry.usage();
      }
      return Trees.measure(layout.content(directory(entry.id())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure snapshot " + key, e);
    }
  }

  @Override
  public List<Mount> mounts(String key) {
    checkOpen();
    Entry entry = get(state, requireKey(key, "key"));
    return mountsOf(entry);
  }

  @Override
  public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
    return create(Kind.ACTIVE, key, parent, labels);
  }

  @Override
  public List<Mount> view(String key, String parent, Map<String, String> labels) {
    return create(Kind.VIEW, key, parent, labels);
  }

  private List<Mount> create(Kind kind, String key, String parent, Map<String, String> labels) {
    checkOpen();
    requireKey(key, "key");
    requireNonNull(parent, "parent");
    requireNonNull(labels, "labels");
    validateLabels(labels);
    // holding the parent's lock keeps it from being removed while we copy it
    try (KeyLocks.Held ignored = keyLocks.lock(key, parent)) {
      State current = state;
      if (current.entries().containsKey(key)) {
        throw new AlreadyExistsException("snapshot " + key + " already exists");
      }
      Entry parentEntry = null;
      if (!parent.isEmpty()) {
        parentEntry = current.entries().get(parent);
        if (parentEntry == null) {
          throw new NotFoundException("parent snapshot " + parent + " does not exist");
        }
        if (parentEntry.info().kind() != Kind.COMMITTED) {
          throw new InvalidArgumentException("parent " + parent + " is not a committed snapshot");
        }
      }
      long id = allocateId();
      inFlight.add(id);
      Path directory = directory(id);
      try {
        Files.createDirectory(directory);
        layout.populate(directory, parentEntry == null ? null : directory(parentEntry.id()), kind);
        // The new directory's entry in snapshots/ must be on disk before metadata that names it.
        MetadataFile.syncDirectory(directory.getParent());
        Instant now = now();
        Entry entry = new Entry(id, new SnapshotInfo(key, parent, kind, now, now, labels), Usage.ZERO);
        mutate(s -> {
          if (s.entries().containsKey(key)) {
            throw new AlreadyExistsException("snapshot " + key + " already exists");
          }
          return new Change(s.put(entry), null);
        });
        return mountsOf(entry);
      } catch (MetadataWriteException e) {
        // The new metadata may be on disk (renamed, only its directory sync failed) and name this
        // directory: deleting it could leave a snapshot without content after a restart. If the write
        // did not happen, the directory is unreferenced and cleanup() removes it.
        throw e;
      } catch (IOException e) {
        deleteQuietly(directory);
        throw new UncheckedIOException("cannot create snapshot " + key, e);
      } catch (RuntimeException e) {
        deleteQuietly(directory);
        throw e;
      } finally {
        inFlight.remove(id);
      }
    }
  }

  @Override
  public void commit(String name, String key, Map<String, String> labels) {
    checkOpen();
    requireKey(name, "name");
    requireKey(key, "key");
    requireNonNull(labels, "labels");
    validateLabels(labels);
    try (KeyLocks.Held ignored = keyLocks.lock(name, key)) {
      Entry active = get(state, key);
      if (active.info().kind() != Kind.ACTIVE) {
        throw new FailedPreconditionException("snapshot " + key + " is " + active.info().kind().label()
            + ", only active snapshots can be committed");
      }
      if (state.entries().containsKey(name)) {
        throw new AlreadyExistsException("snapshot " + name + " already exists");
      }
      Usage usage;
      try {
        usage = Trees.measure(layout.content(directory(active.id())));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot measure snapshot " + key, e);
      }
      Instant now = now();
      Entry committed = new Entry(active.id(),
          new SnapshotInfo(name, active.info().parent(), Kind.COMMITTED, now, now, labels), usage);
      mutate(s -> new Change(s.remove(key).put(committed), null));
    }
  }

  @Override
  public void remove(String key) {
    checkOpen();
    requireKey(key, "key");
    Entry removed;
    try (KeyLocks.Held ignored = keyLocks.lock(key)) {
      removed = mutate(s -> {
        Entry entry = get(s, key);
        for (Entry other : s.entries().values()) {
          if (other.info().parent().equals(key)) {
            throw new FailedPreconditionException("cannot remove snapshot " + key
                + ": snapshot " + other.info().name() + " has it as parent");
          }
        }
        return new Change(s.remove(key), entry);
      });
      // after the metadata: a crash here leaves an unreferenced directory for cleanup(), never
      // metadata naming a half-deleted directory
      try {
        Trees.deleteRecursively(directory(removed.id()));
      } catch (IOException e) {
        logger.log(Level.WARNING, "snapshot " + key + " removed; its directory is left for cleanup", e);
      }
    }
  }

  @Override
  public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
    checkOpen();
    requireNonNull(visitor, "visitor");
    Predicate<SnapshotInfo> filter = SnapshotFilter.parseAll(filters);
    for (Entry entry : state.entries().values()) {
      if (filter.test(entry.info())) {
        visitor.accept(entry.info());
      }
    }
  }

  @Override
  public void cleanup() {
    checkOpen();
    Set<Long> referenced = new HashSet<>();
    for (Entry entry : state.entries().values()) {
      referenced.add(entry.id());
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(snapshots)) {
      for (Path child : children) {
        Long id = parseId(child.getFileName().toString());
        // re-read the in-flight set per entry: a prepare may have started since we began
        if (id == null || referenced.contains(id) || inFlight.contains(id) || state.referencesId(id)) {
          continue;
        }
        Trees.deleteRecursively(child);
        logger.fine(() -> "cleanup removed unreferenced directory " + child);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cleanup of " + snapshots + " failed", e);
    }
  }

  @Override
  public void close() {
    synchronized (metadataLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        logger.log(Level.FINE, "closing the lock of " + root, e);
      }
    }
  }

  @Override
  public String toString() {
    return "DirectorySnapshotter{" + root + "}";
  }

  // ---------------------------------------------------------------------------------------------

  private Path directory(long id) {
    return snapshots.resolve(Long.toString(id));
  }

  private List<Mount> mountsOf(Entry entry) {
    return switch (entry.info().kind()) {
      case ACTIVE, VIEW -> layout.mounts(entry.info().kind(), directory(entry.id()), parentDirectories(entry));
      default -> throw new FailedPreconditionException("snapshot " + entry.info().name() + " is "
          + entry.info().kind().label() + ": only active snapshots and views have mounts");
    };
  }

  /** The directories of an entry's parent, grandparent, ... nearest first (for layouts that stack them). */
  private List<Path> parentDirectories(Entry entry) {
    if (!layout.needsParents()) {
      return List.of();
    }
    List<Path> parents = new ArrayList<>();
    Map<String, Entry> entries = state.entries();
    for (Entry p = entries.get(entry.info().parent()); p != null && parents.size() <= entries.size();
        p = entries.get(p.info().parent())) {
      parents.add(directory(p.id()));
    }
    return parents;
  }

  private long allocateId() {
    synchronized (metadataLock) {
      State s = state;
      state = s.withNextId(s.nextId() + 1);
      return s.nextId();
    }
  }

  private Instant now() {
    return clock.instant();
  }

  private void checkOpen() {
    if (closed) {
      throw new SnapshotterClosedException("snapshotter " + root + " is closed");
    }
  }

  private static String requireKey(String key, String what) {
    if (key == null || key.isEmpty()) {
      throw new InvalidArgumentException(what + " must not be empty");
    }
    return key;
  }

  private static void validateLabels(Map<String, String> labels) {
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (label.getKey().isEmpty()) {
        throw new InvalidArgumentException("label keys must not be empty");
      }
      if (label.getKey().length() + label.getValue().length() > MAX_LABEL_SIZE) {
        throw new InvalidArgumentException("label " + label.getKey() + " exceeds " + MAX_LABEL_SIZE + " characters");
      }
    }
  }

  private static Entry get(State s, String key) {
    Entry entry = s.entries().get(key);
    if (entry == null) {
      throw new NotFoundException("snapshot " + key + " does not exist");
    }
    return entry;
  }

  /** Applies a change to the state and makes it durable before anyone sees it. */
  private <T> T mutate(Function<State, Change> change) {
    synchronized (metadataLock) {
      checkOpen();
      Change result = change.apply(state);
      try {
        metadata.write(result.state().toStore());
      } catch (IOException e) {
        throw new MetadataWriteException("cannot write snapshot metadata " + metadata.path(), e);
      }
      state = result.state();
      @SuppressWarnings("unchecked")
      T value = (T) result.value();
      return value;
    }
  }

  /** A metadata write failed: the file on disk may hold either the old or the new state. */
  private static final class MetadataWriteException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    MetadataWriteException(String message, IOException cause) {
      super(message, cause);
    }
  }

  private static void deleteQuietly(Path directory) {
    try {
      Trees.deleteRecursively(directory);
    } catch (IOException e) {
      logger.log(Level.WARNING, "cannot delete " + directory + "; left for cleanup", e);
    }
  }

  private static Long parseId(String name) {
    try {
      long id = Long.parseLong(name);
      return id > 0 ? id : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static long highestDirectoryId(Path snapshots) throws IOException {
    long highest = 0;
    try (DirectoryStream<Path> children = Files.newDirectoryStream(snapshots)) {
      for (Path child : children) {
        Long id = parseId(child.getFileName().toString());
        if (id != null) {
          highest = Math.max(highest, id);
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    }
    return highest;
  }

  private record Change(State state, Object value) {}

  /** One snapshot: its directory id, its info and (committed only) its recorded usage. */
  private record Entry(long id, SnapshotInfo info, Usage usage) {
    Entry with(SnapshotInfo newInfo) {
      return new Entry(id, newInfo, usage);
    }
  }

  /** An immutable copy of all metadata. */
  private record State(Map<String, Entry> entries, long nextId) {

    State put(Entry entry) {
      Map<String, Entry> copy = new LinkedHashMap<>(entries);
      copy.put(entry.info().name(), entry);
      return new State(Collections.unmodifiableMap(copy), nextId);
    }

    State remove(String key) {
      Map<String, Entry> copy = new LinkedHashMap<>(entries);
      copy.remove(key);
      return new State(Collections.unmodifiableMap(copy), nextId);
    }

    State withNextId(long id) {
      return new State(entries, id);
    }

    boolean referencesId(long id) {
      for (Entry entry : entries.values()) {
        if (entry.id() == id) {
          return true;
        }
      }
      return false;
    }

    SnapshotStore toStore() {
      SnapshotStore.Builder store = SnapshotStore.newBuilder().setVersion(MetadataFile.VERSION).setNextId(nextId);
      for (Entry entry : entries.values()) {
        SnapshotInfo info = entry.info();
        store.addSnapshots(SnapshotRecord.newBuilder()
            .setId(entry.id())
            .setName(info.name())
            .setParent(info.parent())
            .setKind(toProto(info.kind()))
            .setCreatedAt(toProto(info.createdAt()))
            .setUpdatedAt(toProto(info.updatedAt()))
            .putAllLabels(info.labels())
            .setSize(entry.usage().size())
            .setInodes(entry.usage().inodes()));
      }
      return store.build();
    }

    static State from(SnapshotStore store, long highestDirectoryId) {
      Map<String, Entry> entries = new LinkedHashMap<>();
      long highest = highestDirectoryId;
      for (SnapshotRecord r : store.getSnapshotsList()) {
        SnapshotInfo info = new SnapshotInfo(r.getName(), r.getParent(), fromProto(r.getKind()),
            fromProto(r.getCreatedAt()), fromProto(r.getUpdatedAt()), r.getLabelsMap());
        entries.put(r.getName(), new Entry(r.getId(), info, new Usage(r.getSize(), r.getInodes())));
        highest = Math.max(highest, r.getId());
      }
      // a crash after a directory was created but before the metadata was written leaves a directory
      // whose id the file does not know: never hand that id out again
      long nextId = Math.max(store.getNextId(), highest + 1);
      return new State(Collections.unmodifiableMap(entries), nextId);
    }

    private static dev.acitrace.snapshotter.proto.Kind toProto(Kind kind) {
      return switch (kind) {
        case VIEW -> dev.acitrace.snapshotter.proto.Kind.VIEW;
        case ACTIVE -> dev.acitrace.snapshotter.proto.Kind.ACTIVE;
        case COMMITTED -> dev.acitrace.snapshotter.proto.Kind.COMMITTED;
        case UNKNOWN -> dev.acitrace.snapshotter.proto.Kind.UNKNOWN;
      };
    }

    private static Kind fromProto(dev.acitrace.snapshotter.proto.Kind kind) {
      return switch (kind) {
        case VIEW -> Kind.VIEW;
        case ACTIVE -> Kind.ACTIVE;
        case COMMITTED -> Kind.COMMITTED;
        default -> Kind.UNKNOWN;
      };
    }

    private static Timestamp toProto(Instant instant) {
      return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static Instant fromProto(Timestamp timestamp) {
      return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
  }
}
