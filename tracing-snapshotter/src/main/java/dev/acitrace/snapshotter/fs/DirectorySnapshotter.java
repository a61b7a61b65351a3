package dev.acitrace.snapshotter.fs;

import static dev.acitrace.snapshotter.SnapshotLimits.quote;
import static java.util.Objects.requireNonNull;

import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotFilter;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.SnapshotLimits;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.SnapshotterClosedException;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.SnapshotRecord;
import dev.acitrace.snapshotter.proto.SnapshotStore;
import dev.acitrace.snapshotter.storage.MetadataStore;
import dev.acitrace.snapshotter.storage.MetadataStoreException;
import dev.acitrace.snapshotter.storage.SqliteMetadataStore;
import dev.acitrace.snapshotter.storage.StoredSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
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
 * <p>Layout under the root: {@code metadata.db} (all metadata, an embedded SQLite database, one durable
 * transaction per change, see {@link SqliteMetadataStore}), {@code snapshots/<id>/} (one directory per
 * snapshot; ids are never reused) and {@code lock} (held while open, so two processes never share a
 * root). A root written by an older release ({@code metadata.pb}) is migrated into the database on the
 * first start, in one transaction, and the old file renamed {@code metadata.pb.migrated}.
 * Directories are created before and deleted after the metadata that names them, so a crash can leave
 * only unreferenced directories, which {@link #cleanup()} deletes.
 *
 * <p>Thread safety: operations on one key are serialized by per-key locks (operations naming two keys
 * take both); the metadata store serializes its own transactions, which never include copying or
 * measuring file trees.
 */
public final class DirectorySnapshotter implements Snapshotter {

  private static final Logger logger = Logger.getLogger(DirectorySnapshotter.class.getName());

  static final String DATABASE = "metadata.db";
  static final String LEGACY_METADATA = "metadata.pb";
  static final String MIGRATED_METADATA = "metadata.pb.migrated";

  /** Longer than any image's layer chain (containerd's overlayfs stacks up to ~500 before mount options overflow). */
  private static final int MAX_PARENT_CHAIN = 4096;

  private final Path root;
  private final Path snapshots;
  private final MetadataStore store;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Clock clock;
  private final Layout layout;
  private final KeyLocks keyLocks = new KeyLocks();
  /** Ids of directories being created, not yet in the metadata; cleanup must leave them alone. */
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  private DirectorySnapshotter(Path root, MetadataStore store, FileChannel lockChannel, FileLock lock,
      Clock clock, Layout layout) {
    this.root = root;
    this.layout = layout;
    this.snapshots = root.resolve("snapshots");
    this.store = store;
    this.lockChannel = lockChannel;
    this.lock = lock;
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
    return open(root, clock, SqliteMetadataStore::open);
  }

  /** Opens the metadata store of a root; tests substitute one that fails. */
  @FunctionalInterface
  interface StoreOpener {
    MetadataStore open(Path file) throws IOException;
  }

  static DirectorySnapshotter open(Path root, Clock clock, StoreOpener opener) throws IOException {
    return open(root, clock, opener, Layout.COPY);
  }

  static DirectorySnapshotter open(Path root, Clock clock, StoreOpener opener, Layout layout) throws IOException {
    requireNonNull(root, "root");
    requireNonNull(clock, "clock");
    Path absolute = root.toAbsolutePath().normalize();
    if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
      throw new NotDirectoryException(absolute + " exists and is not a directory");
    }
    // explicit modes whatever the umask: see Permissions
    Permissions.createRoot(absolute);
    Permissions.createPrivateDirectory(absolute.resolve("snapshots"));
    FileChannel channel = Permissions.openPrivateFile(absolute.resolve("lock"));
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
    MetadataStore store = null;
    try {
      store = opener.open(absolute.resolve(DATABASE));
      migrate(absolute, store);
      // a crash after a directory was created but before its metadata was written leaves a directory
      // whose id the database does not know: never hand that id out again
      store.reserveIdsThrough(highestDirectoryId(absolute.resolve("snapshots")));
      return new DirectorySnapshotter(absolute, store, channel, fileLock, clock, layout);
    } catch (IOException | RuntimeException e) {
      if (store != null) {
        store.close();
      }
      fileLock.release();
      channel.close();
      throw e;
    }
  }

  /** Moves a pre-SQLite root's {@code metadata.pb} into the database: one transaction, then a rename. */
  private static void migrate(Path root, MetadataStore store) throws IOException {
    MetadataFile legacy = new MetadataFile(root);
    if (!Files.exists(legacy.path(), LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (store.isEmpty()) {
      SnapshotStore old = legacy.read();
      List<StoredSnapshot> records = new ArrayList<>(old.getSnapshotsCount());
      for (SnapshotRecord r : old.getSnapshotsList()) {
        SnapshotInfo info = new SnapshotInfo(r.getName(), r.getParent(), MetadataFile.fromProto(r.getKind()),
            MetadataFile.fromProto(r.getCreatedAt()), MetadataFile.fromProto(r.getUpdatedAt()), r.getLabelsMap());
        records.add(new StoredSnapshot(r.getId(), info, new Usage(r.getSize(), r.getInodes())));
      }
      store.load(records, old.getNextId());
      logger.info(() -> "migrated " + records.size() + " snapshots from " + legacy.path() + " to " + DATABASE);
    } else {
      // a crash between the migration's commit and the rename: the database already has it all
      logger.info(() -> legacy.path() + " was already migrated");
    }
    Files.move(legacy.path(), root.resolve(MIGRATED_METADATA), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    MetadataFile.syncDirectory(root);
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
    return store.require(requireKey(key, "key")).info();
  }

  @Override
  public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
    checkOpen();
    requireNonNull(info, "info");
    requireNonNull(fieldPaths, "fieldPaths");
    String key = requireKey(info.name(), "info.name");
    for (String path : fieldPaths) {
      if (!path.equals("labels") && !(path.startsWith("labels.") && path.length() > "labels.".length())) {
        throw new InvalidArgumentException("cannot update field " + quote(path) + " of snapshot " + quote(key)
            + ": only labels and labels.<key> are updatable");
      }
    }
    try (KeyLocks.Held ignored = keyLocks.lock(key)) {
      return store.updateLabels(key, current -> {
        Map<String, String> updated = new HashMap<>(current);
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
        return updated;
      }, now());
    }
  }

  @Override
  public Usage usage(String key) {
    try (KeyLocks.Held ignored = lockKey(key)) {
      StoredSnapshot entry = store.require(key);
      if (entry.info().kind() == Kind.COMMITTED) {
        return entry.usage();
      }
      return Trees.measure(layout.content(directory(entry.id())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure snapshot " + quote(key), e);
    }
  }

  @Override
  public List<Mount> mounts(String key) {
    checkOpen();
    return mountsOf(store.require(requireKey(key, "key")));
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
    SnapshotLimits.checkKey(key, "key");
    requireNonNull(parent, "parent");
    SnapshotLimits.checkLabels(labels);
    // holding the parent's lock keeps it from being removed while we copy it
    try (KeyLocks.Held ignored = keyLocks.lock(key, parent)) {
      if (store.get(key).isPresent()) {
        throw new AlreadyExistsException("snapshot " + quote(key) + " already exists");
      }
      StoredSnapshot parentEntry = null;
      if (!parent.isEmpty()) {
        parentEntry = store.get(parent).orElseThrow(
            () -> new NotFoundException("parent snapshot " + quote(parent) + " does not exist"));
        if (parentEntry.info().kind() != Kind.COMMITTED) {
          throw new InvalidArgumentException("parent " + quote(parent) + " is not a committed snapshot");
        }
      }
      long id = store.allocateId();
      inFlight.add(id);
      Path directory = directory(id);
      try {
        Trees.createDirectory(directory);
        layout.populate(directory, parentEntry == null ? null : directory(parentEntry.id()), kind);
        // The new directory's entry in snapshots/ must be on disk before metadata that names it.
        MetadataFile.syncDirectory(directory.getParent());
        Instant now = now();
        StoredSnapshot entry = store.create(id, new SnapshotInfo(key, parent, kind, now, now, labels));
        return mountsOf(entry);
      } catch (MetadataStoreException e) {
        // The transaction may have reached the disk (a failed fsync says nothing either way) and name
        // this directory: deleting it could leave a snapshot without content after a restart. If it did
        // not, the directory is unreferenced and cleanup() removes it.
        throw e;
      } catch (IOException e) {
        deleteQuietly(directory);
        throw new UncheckedIOException("cannot create snapshot " + quote(key), e);
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
    SnapshotLimits.checkKey(name, "name");
    requireKey(key, "key");
    SnapshotLimits.checkLabels(labels);
    try (KeyLocks.Held ignored = keyLocks.lock(name, key)) {
      StoredSnapshot active = store.require(key);
      if (active.info().kind() != Kind.ACTIVE) {
        throw new FailedPreconditionException("snapshot " + quote(key) + " is " + active.info().kind().label()
            + ", only active snapshots can be committed");
      }
      if (store.get(name).isPresent()) {
        throw new AlreadyExistsException("snapshot " + quote(name) + " already exists");
      }
      Usage usage;
      try {
        usage = Trees.measure(layout.content(directory(active.id())));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot measure snapshot " + quote(key), e);
      }
      store.commit(key, name, labels, usage, now());
    }
  }

  @Override
  public void remove(String key) {
    try (KeyLocks.Held ignored = lockKey(key)) {
      StoredSnapshot removed = store.remove(key);
      // after the metadata: a crash here leaves an unreferenced directory for cleanup(), never
      // metadata naming a half-deleted directory
      try {
        Trees.deleteRecursively(directory(removed.id()));
      } catch (IOException e) {
        logger.log(Level.WARNING, "snapshot " + quote(key) + " removed; its directory is left for cleanup", e);
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Snapshots are read from the database in bounded batches (see {@link MetadataStore#walk}), so a
   * walk over any number of snapshots holds one batch at a time. When the caller's gRPC call is
   * cancelled ({@code io.grpc.Context}), the walk stops between batches with a
   * {@link java.util.concurrent.CancellationException}.
   */
  @Override
  public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
    checkOpen();
    requireNonNull(visitor, "visitor");
    Predicate<SnapshotInfo> filter = SnapshotFilter.parseAll(filters);
    io.grpc.Context call = io.grpc.Context.current();
    store.walk(filter, visitor, call::isCancelled);
  }

  @Override
  public void cleanup() {
    checkOpen();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(snapshots)) {
      for (Path child : children) {
        Long id = parseId(child.getFileName().toString());
        // check in-flight ids before the database: a prepare adds its id before it creates the directory
        // and removes it only after its metadata is committed
        if (id == null || inFlight.contains(id) || store.containsId(id)) {
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
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    store.close();
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      logger.log(Level.FINE, "closing the lock of " + root, e);
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

  private List<Mount> mountsOf(StoredSnapshot entry) {
    return switch (entry.info().kind()) {
      case ACTIVE, VIEW -> layout.mounts(entry.info().kind(), directory(entry.id()), parentDirectories(entry));
      default -> throw new FailedPreconditionException("snapshot " + quote(entry.info().name()) + " is "
          + entry.info().kind().label() + ": only active snapshots and views have mounts");
    };
  }

  /** The directories of an entry's parent, grandparent, ... nearest first (for layouts that stack them). */
  private List<Path> parentDirectories(StoredSnapshot entry) {
    if (!layout.needsParents()) {
      return List.of();
    }
    List<Path> parents = new ArrayList<>();
    String parent = entry.info().parent();
    // bounded: a parent chain is never longer than the snapshots there are, whatever the store says
    while (!parent.isEmpty() && parents.size() < MAX_PARENT_CHAIN) {
      StoredSnapshot p = store.get(parent).orElse(null);
      if (p == null) {
        break;
      }
      parents.add(directory(p.id()));
      parent = p.info().parent();
    }
    return parents;
  }

  private Instant now() {
    return clock.instant();
  }

  private void checkOpen() {
    if (closed) {
      throw new SnapshotterClosedException("snapshotter " + root + " is closed");
    }
  }

  /** Locks {@code key} for a change, once this snapshotter is known open and the key not empty. */
  private KeyLocks.Held lockKey(String key) {
    checkOpen();
    return keyLocks.lock(requireKey(key, "key"));
  }

  private static String requireKey(String key, String what) {
    if (key == null || key.isEmpty()) {
      throw new InvalidArgumentException(what + " must not be empty");
    }
    return key;
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
}
