package dev.acitrace.snapshotter.storage;

import static dev.acitrace.snapshotter.SnapshotLimits.quote;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.SnapshotLimits;
import dev.acitrace.snapshotter.SnapshotterClosedException;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.LabelSet;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A {@link MetadataStore} in an embedded SQLite database (through {@code org.xerial:sqlite-jdbc}).
 *
 * <p>The database runs in WAL mode with {@code synchronous=FULL}: a transaction is durable once its
 * commit returns (the WAL is fsynced), and readers never block the writer. One table holds one row per
 * snapshot, keyed by name, with indexes on the content id and the parent, so every operation costs
 * O(log n) in the number of snapshots; labels live in the row as one protobuf-encoded column. Writes go
 * through one connection under a lock (SQLite admits one writer at a time anyway); reads use a small pool
 * of their own connections. The database file is created with mode 0600 whatever the umask (SQLite gives
 * its {@code -wal} and {@code -shm} files the database file's mode) and is never opened through a
 * symbolic link.
 */
public final class SqliteMetadataStore implements MetadataStore {

  private static final Logger logger = Logger.getLogger(SqliteMetadataStore.class.getName());

  /** The schema this code writes; {@code PRAGMA user_version} holds it. */
  static final int SCHEMA_VERSION = 1;
  /** Rows per walk batch at most. */
  static final int WALK_BATCH_ROWS = 256;
  /** Label bytes per walk batch at most (a batch ends after the row that crosses it). */
  static final int WALK_BATCH_BYTES = 4 * 1024 * 1024;
  private static final int READERS = 4;

  private static final String COLUMNS =
      "id, name, parent, kind, created_s, created_n, updated_s, updated_n, labels, size, inodes";

  private final Path file;
  private final SQLiteDataSource readSource;
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Guarded by {@link #writeLock}. */
  private final Statements writer;
  private final BlockingQueue<Statements> idleReaders = new ArrayBlockingQueue<>(READERS);
  private final List<Statements> allReaders = new ArrayList<>();
  private final AtomicLong nextId;
  private volatile boolean closed;

  private SqliteMetadataStore(Path file, SQLiteDataSource readSource, Statements writer, long nextId) {
    this.file = file;
    this.readSource = readSource;
    this.writer = writer;
    this.nextId = new AtomicLong(nextId);
  }

  /**
   * Opens (creating if needed) the database in {@code file}.
   *
   * @param file the database file; its directory must exist
   * @return the store; close it when done
   * @throws IOException if the file is not a regular file, is not a database of ours, or cannot be
   *     created or written
   */
  public static SqliteMetadataStore open(Path file) throws IOException {
    requireNonNull(file, "file");
    Path absolute = file.toAbsolutePath().normalize();
    try {
      Files.createFile(absolute, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isRegularFile(absolute, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("snapshot metadata " + absolute + " is not a regular file");
      }
    }
    try {
      // explicit, whatever the umask did at creation or an older release left
      Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to set
    }
    String url = "jdbc:sqlite:" + absolute;
    SQLiteConfig writeConfig = config();
    // one writer: take the write lock when the transaction starts, never upgrade mid-way
    writeConfig.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    SQLiteDataSource writeSource = new SQLiteDataSource(writeConfig);
    writeSource.setUrl(url);
    SQLiteDataSource readSource = new SQLiteDataSource(config());
    readSource.setUrl(url);
    Connection connection = null;
    try {
      connection = writeSource.getConnection();
      long nextId = prepareSchema(connection, absolute);
      connection.setAutoCommit(false);
      return new SqliteMetadataStore(absolute, readSource, new Statements(connection), nextId);
    } catch (SQLException e) {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new IOException("cannot open snapshot metadata " + absolute + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads SQLite's native library now rather than on the first {@link #open} (once per JVM; sqlite-jdbc
   * extracts it from its jar to {@code org.sqlite.tmpdir}, by default {@code java.io.tmpdir}).
   *
   * @throws IOException if the library cannot be extracted or loaded
   */
  public static void loadNativeLibrary() throws IOException {
    try {
      org.sqlite.SQLiteJDBCLoader.initialize();
    } catch (Exception e) {
      throw new IOException("cannot load SQLite's native library: " + e.getMessage(), e);
    }
  }

  private static SQLiteConfig config() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(30_000);
    return config;
  }

  /** Creates or checks the schema; returns the next id to hand out. */
  private static long prepareSchema(Connection connection, Path file) throws SQLException, IOException {
    try (Statement statement = connection.createStatement()) {
      int version;
      try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version == 0) {
        connection.setAutoCommit(false);
        statement.executeUpdate("CREATE TABLE IF NOT EXISTS snapshots ("
            + " name TEXT NOT NULL PRIMARY KEY, id INTEGER NOT NULL UNIQUE, parent TEXT NOT NULL,"
            + " kind INTEGER NOT NULL, created_s INTEGER NOT NULL, created_n INTEGER NOT NULL,"
            + " updated_s INTEGER NOT NULL, updated_n INTEGER NOT NULL, labels BLOB NOT NULL,"
            + " size INTEGER NOT NULL, inodes INTEGER NOT NULL) WITHOUT ROWID");
        statement.executeUpdate("CREATE INDEX IF NOT EXISTS snapshots_parent ON snapshots (parent)");
        statement.executeUpdate("CREATE TABLE IF NOT EXISTS counters (name TEXT NOT NULL PRIMARY KEY,"
            + " value INTEGER NOT NULL) WITHOUT ROWID");
        statement.executeUpdate("INSERT OR IGNORE INTO counters (name, value) VALUES ('next_id', 1)");
        statement.executeUpdate("PRAGMA user_version = " + SCHEMA_VERSION);
        connection.commit();
        connection.setAutoCommit(true);
      } else if (version != SCHEMA_VERSION) {
        throw new IOException("unsupported snapshot metadata schema " + version + " in " + file);
      }
      long next;
      try (ResultSet rs = statement.executeQuery(
          "SELECT max((SELECT value FROM counters WHERE name = 'next_id'),"
              + " coalesce((SELECT max(id) FROM snapshots), 0) + 1)")) {
        next = rs.next() ? rs.getLong(1) : 1;
      }
      return Math.max(next, 1);
    }
  }

  /**
   * The database file.
   *
   * @return its absolute path
   */
  public Path file() {
    return file;
  }

  @Override
  public Optional<StoredSnapshot> get(String key) {
    requireNonNull(key, "key");
    return read(s -> Optional.ofNullable(s.select(key)));
  }

  @Override
  public boolean containsId(long id) {
    return read(s -> {
      s.hasId.setLong(1, id);
      try (ResultSet rs = s.hasId.executeQuery()) {
        return rs.next();
      }
    });
  }

  @Override
  public boolean isEmpty() {
    return read(s -> {
      try (ResultSet rs = s.any.executeQuery()) {
        return !rs.next();
      }
    });
  }

  @Override
  public long allocateId() {
    checkOpen();
    return nextId.getAndIncrement();
  }

  @Override
  public void reserveIdsThrough(long id) {
    nextId.accumulateAndGet(id + 1, Math::max);
  }

  @Override
  public StoredSnapshot create(long id, SnapshotInfo info) {
    requireNonNull(info, "info");
    if (info.kind() != Kind.ACTIVE && info.kind() != Kind.VIEW) {
      throw new IllegalArgumentException("only active snapshots and views are created, not " + info.kind());
    }
    SnapshotLimits.checkKey(info.name(), "key");
    SnapshotLimits.checkLabels(info.labels());
    StoredSnapshot snapshot = new StoredSnapshot(id, info, Usage.ZERO);
    return write(s -> {
      if (s.select(info.name()) != null) {
        throw new AlreadyExistsException("snapshot " + quote(info.name()) + " already exists");
      }
      if (!info.parent().isEmpty()) {
        StoredSnapshot parent = s.select(info.parent());
        if (parent == null) {
          throw new NotFoundException("parent snapshot " + quote(info.parent()) + " does not exist");
        }
        if (parent.info().kind() != Kind.COMMITTED) {
          throw new InvalidArgumentException("parent " + quote(info.parent()) + " is not a committed snapshot");
        }
      }
      s.insert(snapshot);
      return snapshot;
    });
  }

  @Override
  public StoredSnapshot commit(String key, String name, Map<String, String> labels, Usage usage, Instant now) {
    requireNonNull(key, "key");
    SnapshotLimits.checkKey(name, "name");
    SnapshotLimits.checkLabels(labels);
    requireNonNull(usage, "usage");
    requireNonNull(now, "now");
    return write(s -> {
      StoredSnapshot active = s.existing(key);
      if (active.info().kind() != Kind.ACTIVE) {
        throw new FailedPreconditionException("snapshot " + quote(key) + " is " + active.info().kind().label()
            + ", only active snapshots can be committed");
      }
      if (s.select(name) != null) {
        throw new AlreadyExistsException("snapshot " + quote(name) + " already exists");
      }
      StoredSnapshot committed = new StoredSnapshot(active.id(),
          new SnapshotInfo(name, active.info().parent(), Kind.COMMITTED, now, now, labels), usage);
      s.delete(key);
      s.insert(committed);
      return committed;
    });
  }

  @Override
  public SnapshotInfo updateLabels(String key, UnaryOperator<Map<String, String>> change, Instant now) {
    requireNonNull(key, "key");
    requireNonNull(change, "change");
    requireNonNull(now, "now");
    return write(s -> {
      StoredSnapshot current = s.existing(key);
      Map<String, String> labels = change.apply(current.info().labels());
      SnapshotLimits.checkLabels(labels);
      SnapshotInfo updated = current.info().withLabels(labels, now);
      s.updateLabels.setBytes(1, encode(updated.labels()));
      s.updateLabels.setLong(2, now.getEpochSecond());
      s.updateLabels.setInt(3, now.getNano());
      s.updateLabels.setString(4, key);
      s.updateLabels.executeUpdate();
      return updated;
    });
  }

  @Override
  public StoredSnapshot remove(String key) {
    requireNonNull(key, "key");
    return write(s -> {
      StoredSnapshot snapshot = s.existing(key);
      s.childOf.setString(1, key);
      try (ResultSet rs = s.childOf.executeQuery()) {
        if (rs.next()) {
          throw new FailedPreconditionException("cannot remove snapshot " + quote(key)
              + ": snapshot " + quote(rs.getString(1)) + " has it as parent");
        }
      }
      s.delete(key);
      return snapshot;
    });
  }

  @Override
  public void walk(Predicate<? super SnapshotInfo> filter, Consumer<? super SnapshotInfo> visitor,
      BooleanSupplier cancelled) {
    requireNonNull(filter, "filter");
    requireNonNull(visitor, "visitor");
    requireNonNull(cancelled, "cancelled");
    String after = "";
    while (true) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("walk cancelled");
      }
      String from = after;
      Batch batch = read(s -> s.batch(from, filter));
      for (SnapshotInfo info : batch.matches()) {
        visitor.accept(info);
      }
      if (batch.last() == null) {
        return;
      }
      after = batch.last();
    }
  }

  @Override
  public void load(Iterable<StoredSnapshot> snapshots, long next) {
    requireNonNull(snapshots, "snapshots");
    write(s -> {
      try (ResultSet rs = s.any.executeQuery()) {
        if (rs.next()) {
          throw new IllegalStateException("snapshot metadata " + file + " is not empty");
        }
      }
      long highest = 0;
      for (StoredSnapshot snapshot : snapshots) {
        s.insert(snapshot);
        highest = Math.max(highest, snapshot.id());
      }
      s.raiseNextId.setLong(1, Math.max(next, highest + 1));
      s.raiseNextId.executeUpdate();
      return null;
    });
    reserveIdsThrough(Math.max(next - 1, 0));
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      writer.close();
      synchronized (allReaders) {
        for (Statements reader : allReaders) {
          reader.close(); // a walk holding one fails its next batch with "closed"
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "SqliteMetadataStore{" + file + "}";
  }

  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Work<T> {
    T run(Statements statements) throws SQLException;
  }

  private record Batch(List<SnapshotInfo> matches, String last) {}

  private void checkOpen() {
    if (closed) {
      throw new SnapshotterClosedException("snapshot metadata " + file + " is closed");
    }
  }

  private <T> T write(Work<T> work) {
    writeLock.lock();
    try {
      checkOpen();
      boolean committed = false;
      try {
        T result = work.run(writer);
        writer.connection.commit();
        committed = true;
        return result;
      } catch (SQLException e) {
        throw new MetadataStoreException("cannot write snapshot metadata " + file + ": " + e.getMessage(), e);
      } finally {
        if (!committed) {
          rollback();
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void rollback() {
    try {
      writer.connection.rollback();
    } catch (SQLException e) {
      // the transaction is gone either way; the next write starts a new one
      logger.log(Level.FINE, "rollback of " + file, e);
    }
  }

  private <T> T read(Work<T> work) {
    checkOpen();
    Statements reader = idleReaders.poll();
    try {
      if (reader == null) {
        reader = newReader();
      }
      return work.run(reader);
    } catch (SQLException e) {
      checkOpen();
      throw new MetadataStoreException("cannot read snapshot metadata " + file + ": " + e.getMessage(), e);
    } finally {
      if (reader != null && (closed || !idleReaders.offer(reader))) {
        forget(reader);
      }
    }
  }

  private Statements newReader() throws SQLException {
    Statements reader = new Statements(readSource.getConnection());
    synchronized (allReaders) {
      if (closed) {
        reader.close();
        checkOpen();
      }
      allReaders.add(reader);
    }
    return reader;
  }

  private void forget(Statements reader) {
    synchronized (allReaders) {
      allReaders.remove(reader);
    }
    reader.close();
  }

  private static byte[] encode(Map<String, String> labels) {
    return labels.isEmpty() ? EMPTY : LabelSet.newBuilder().putAllLabels(labels).build().toByteArray();
  }

  private static final byte[] EMPTY = new byte[0];

  private static Kind kindOf(int code) {
    return switch (code) {
      case 1 -> Kind.VIEW;
      case 2 -> Kind.ACTIVE;
      case 3 -> Kind.COMMITTED;
      default -> Kind.UNKNOWN;
    };
  }

  private static int codeOf(Kind kind) {
    return switch (kind) {
      case VIEW -> 1;
      case ACTIVE -> 2;
      case COMMITTED -> 3;
      case UNKNOWN -> 0;
    };
  }

  /** One connection and the statements prepared on it, prepared once. */
  private static final class Statements {
    final Connection connection;
    final PreparedStatement select;
    final PreparedStatement insert;
    final PreparedStatement delete;
    final PreparedStatement childOf;
    final PreparedStatement hasId;
    final PreparedStatement any;
    final PreparedStatement updateLabels;
    final PreparedStatement raiseNextId;
    final PreparedStatement batch;

    Statements(Connection connection) throws SQLException {
      this.connection = connection;
      select = connection.prepareStatement("SELECT " + COLUMNS + " FROM snapshots WHERE name = ?");
      insert = connection.prepareStatement("INSERT INTO snapshots (" + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      delete = connection.prepareStatement("DELETE FROM snapshots WHERE name = ?");
      childOf = connection.prepareStatement("SELECT name FROM snapshots WHERE parent = ? LIMIT 1");
      hasId = connection.prepareStatement("SELECT 1 FROM snapshots WHERE id = ?");
      any = connection.prepareStatement("SELECT 1 FROM snapshots LIMIT 1");
      updateLabels = connection.prepareStatement(
          "UPDATE snapshots SET labels = ?, updated_s = ?, updated_n = ? WHERE name = ?");
      raiseNextId = connection.prepareStatement(
          "UPDATE counters SET value = max(value, ?) WHERE name = 'next_id'");
      batch = connection.prepareStatement("SELECT " + COLUMNS
          + " FROM snapshots WHERE name > ? ORDER BY name LIMIT " + WALK_BATCH_ROWS);
    }

    StoredSnapshot select(String key) throws SQLException {
      select.setString(1, key);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next() ? row(rs) : null;
      }
    }

    /** The snapshot named {@code key}; NotFoundException when there is none. */
    StoredSnapshot existing(String key) throws SQLException {
      StoredSnapshot snapshot = select(key);
      if (snapshot == null) {
        throw new NotFoundException("snapshot " + quote(key) + " does not exist");
      }
      return snapshot;
    }

    void insert(StoredSnapshot snapshot) throws SQLException {
      SnapshotInfo info = snapshot.info();
      insert.setLong(1, snapshot.id());
      insert.setString(2, info.name());
      insert.setString(3, info.parent());
      insert.setInt(4, codeOf(info.kind()));
      insert.setLong(5, info.createdAt().getEpochSecond());
      insert.setInt(6, info.createdAt().getNano());
      insert.setLong(7, info.updatedAt().getEpochSecond());
      insert.setInt(8, info.updatedAt().getNano());
      insert.setBytes(9, encode(info.labels()));
      insert.setLong(10, snapshot.usage().size());
      insert.setLong(11, snapshot.usage().inodes());
      insert.executeUpdate();
      raiseNextId.setLong(1, snapshot.id() + 1);
      raiseNextId.executeUpdate();
    }

    void delete(String key) throws SQLException {
      delete.setString(1, key);
      delete.executeUpdate();
    }

    /** The next batch after {@code after}, in one read transaction; {@code last} is null at the end. */
    Batch batch(String after, Predicate<? super SnapshotInfo> filter) throws SQLException {
      List<SnapshotInfo> matches = new ArrayList<>();
      String last = null;
      int rows = 0;
      long bytes = 0;
      batch.setString(1, after);
      try (ResultSet rs = batch.executeQuery()) {
        while (rs.next()) {
          StoredSnapshot snapshot = row(rs);
          rows++;
          SnapshotInfo info = snapshot.info();
          if (filter.test(info)) {
            matches.add(info);
            for (Map.Entry<String, String> label : info.labels().entrySet()) {
              bytes += label.getKey().length() + label.getValue().length();
            }
          }
          last = info.name();
          if (bytes >= WALK_BATCH_BYTES) {
            break;
          }
        }
      }
      boolean more = rows == WALK_BATCH_ROWS || bytes >= WALK_BATCH_BYTES;
      return new Batch(matches, more ? last : null);
    }

    static StoredSnapshot row(ResultSet rs) throws SQLException {
      byte[] encoded = rs.getBytes(9);
      Map<String, String> labels;
      if (encoded == null || encoded.length == 0) {
        labels = Map.of();
      } else {
        try {
          labels = new HashMap<>(LabelSet.parseFrom(encoded).getLabelsMap());
        } catch (InvalidProtocolBufferException e) {
          throw new SQLException("corrupt labels of snapshot " + quote(rs.getString(2)), e);
        }
      }
      SnapshotInfo info = new SnapshotInfo(rs.getString(2), rs.getString(3), kindOf(rs.getInt(4)),
          Instant.ofEpochSecond(rs.getLong(5), rs.getInt(6)), Instant.ofEpochSecond(rs.getLong(7), rs.getInt(8)),
          labels);
      return new StoredSnapshot(rs.getLong(1), info, new Usage(rs.getLong(10), rs.getLong(11)));
    }

    void close() {
      try {
        connection.close();
      } catch (SQLException e) {
        logger.log(Level.FINE, "closing a metadata connection", e);
      }
    }
  }
}
