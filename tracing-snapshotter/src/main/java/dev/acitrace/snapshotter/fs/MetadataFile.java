package dev.acitrace.snapshotter.fs;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.acitrace.snapshotter.proto.SnapshotStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The metadata file: one {@link SnapshotStore} message, replaced whole on every change.
 *
 * <p>A write goes to a temporary file in the same directory, which is flushed to disk, then renamed
 * over the real file (an atomic replace on POSIX file systems), then the directory is flushed so the
 * rename itself is durable. A crash at any point leaves either the old or the new file, never a
 * partial one; a write returns only once the new state is durable, so nothing acknowledged is lost.
 */
final class MetadataFile {

  static final int VERSION = 1;

  private final Path file;
  private final Path temporary;

  MetadataFile(Path directory) {
    this.file = directory.resolve("metadata.pb");
    this.temporary = directory.resolve("metadata.pb.tmp");
  }

  Path path() {
    return file;
  }

  /** Reads the store, or an empty one when the file does not exist yet. */
  SnapshotStore read() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return SnapshotStore.newBuilder().setVersion(VERSION).setNextId(1).build();
    }
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

  /** Replaces the store durably and atomically. */
  void write(SnapshotStore store) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(store.toByteArray());
    try (FileChannel channel = Permissions.openPrivateFile(temporary)) { // 0600, also a leftover's
      channel.truncate(0);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(file.getParent());
  }

  /** Makes a rename or creation in {@code directory} durable (fsync of the directory). */
  static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
