package dev.acitrace.snapshotter.fs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.proto.SnapshotStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The metadata file of releases before the SQLite store: one {@link SnapshotStore} message that was
 * replaced whole on every change. Read once, to migrate a root (see {@link DirectorySnapshotter}).
 */
final class MetadataFile {

  static final int VERSION = 1;

  private final Path file;

  MetadataFile(Path directory) {
    this.file = directory.resolve(DirectorySnapshotter.LEGACY_METADATA);
  }

  Path path() {
    return file;
  }

  /** Reads the store. */
  SnapshotStore read() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    SnapshotStore store;
    try {
      store = SnapshotStore.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("corrupt snapshot metadata in " + file, e);
    }
    if (store.getVersion() != VERSION) {
      throw new IOException("unsupported snapshot metadata version " + store.getVersion() + " in " + file);
    }
    return store;
  }

  /** Makes a rename or creation in {@code directory} durable (fsync of the directory). */
  static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  static Kind fromProto(dev.acitrace.snapshotter.proto.Kind kind) {
    return switch (kind) {
      case VIEW -> Kind.VIEW;
      case ACTIVE -> Kind.ACTIVE;
      case COMMITTED -> Kind.COMMITTED;
      default -> Kind.UNKNOWN;
    };
  }

  static Instant fromProto(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
