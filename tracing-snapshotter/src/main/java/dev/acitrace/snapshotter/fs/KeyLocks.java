package dev.acitrace.snapshotter.fs;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped per-key locks: operations on one key are serialized, operations on unrelated keys mostly
 * are not. Operations naming two keys (commit: key and name; prepare: key and parent) take both
 * stripes in index order, so no two operations can wait on each other.
 */
final class KeyLocks {

  private static final int STRIPES = 64;

  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

  KeyLocks() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Locks the stripes of the given keys (nulls and empties ignored); close the result to unlock. */
  Held lock(String... keys) {
    int[] indexes = Arrays.stream(keys)
        .filter(k -> k != null && !k.isEmpty())
        .mapToInt(k -> Math.floorMod(k.hashCode(), STRIPES))
        .distinct()
        .sorted()
        .toArray();
    for (int i = 0; i < indexes.length; i++) {
      stripes[indexes[i]].lock();
    }
    return () -> {
      for (int i = indexes.length - 1; i >= 0; i--) {
        stripes[indexes[i]].unlock();
      }
    };
  }

  /** Locks held by one operation. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }
}
