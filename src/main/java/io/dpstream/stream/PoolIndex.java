package io.dpstream.stream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The users pooled in one gate partition, in memory, with the few numbers a step close needs from
 * each pool's header: the charge base ({@link UserPool#baseSteps}, {@link UserPool#asOf}) and the
 * admission step and time of the oldest record (for retention). A close walks this index instead
 * of scanning the pool store, so its cost grows with the number of pooled users, not with their
 * pooled bytes; it reads a pool from RocksDB only for the users it samples, expires or re-bases.
 *
 * <p><b>Consistency.</b> The index is a cache of the {@code gate-pools} store, never a source of
 * truth: it is rebuilt from the store in the processor's {@code init}, which Kafka Streams calls
 * after the task's stores are restored (and again when a task is revived after a dirty close, on
 * the same processor instance), and every store write of the processor updates it in the same
 * call. A crash between the two loses only memory; the store, committed with the input offsets,
 * is what the next {@code init} reads.
 *
 * <p><b>Keys and order.</b> Users are keyed by their userId's UTF-8 bytes (the input record's key,
 * so indexing allocates no key) and walked in unsigned bytewise order: the pool store's (RocksDB's)
 * order, so a close draws its sampling coins for the same users in the same order as a scan of the
 * store would, before or after a rebuild.
 *
 * <p><b>Memory.</b> About 120 bytes of heap per pooled user on a 64-bit JVM with compressed
 * references: a {@code TreeMap} entry (40 bytes), an {@link Entry} (48 bytes) and the key array
 * (16 bytes of header plus the id's UTF-8 bytes, rounded up to 8: 32 for an 11-byte id). A million
 * pooled users take about 120 MB per gate instance; the pooled records stay in RocksDB.
 *
 * <p>Not thread-safe: one index per gate task.
 */
final class PoolIndex {
  /** One pooled user's numbers, copied from their pool's header and oldest entry. */
  static final class Entry {
    long baseSteps;
    long asOf;
    long oldestStep;
    long oldestMillis;

    private Entry(byte[] pool) {
      refresh(pool);
    }

    /** Copies the numbers of {@code pool}, the user's stored pool after a write. */
    void refresh(byte[] pool) {
      baseSteps = UserPool.baseSteps(pool);
      asOf = UserPool.asOf(pool);
      oldestStep = UserPool.oldestStep(pool);
      oldestMillis = UserPool.oldestMillis(pool);
    }
  }

  private final TreeMap<byte[], Entry> users = new TreeMap<>(Arrays::compareUnsigned);

  /** An index of every pool in {@code pools} (one full scan of the store, values included). */
  static PoolIndex of(KeyValueStore<String, byte[]> pools) {
    PoolIndex index = new PoolIndex();
    try (KeyValueIterator<String, byte[]> it = pools.all()) {
      while (it.hasNext()) {
        KeyValue<String, byte[]> kv = it.next();
        index.users.put(key(kv.key), new Entry(kv.value));
      }
    }
    return index;
  }

  /** The index key of {@code userId}: its UTF-8 bytes (the pool store's key bytes). */
  static byte[] key(String userId) {
    return userId.getBytes(StandardCharsets.UTF_8);
  }

  /** The userId of an index key. */
  static String userId(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  /** The entry of the user with key {@code key}, or null when they have no pool. */
  Entry get(byte[] key) {
    return users.get(key);
  }

  /**
   * Adds a user whose new stored pool is {@code pool}; a user already indexed is updated through
   * {@link Entry#refresh} instead. The index keeps {@code key}: it must not be modified after.
   *
   * @throws IllegalStateException if the user is already indexed
   */
  void add(byte[] key, byte[] pool) {
    if (users.putIfAbsent(key, new Entry(pool)) != null)
      throw new IllegalStateException("user " + userId(key) + " is already indexed");
  }

  /** Pooled users in key order; {@code remove} drops the current user (their pool was deleted). */
  Iterator<Map.Entry<byte[], Entry>> iterator() {
    return users.entrySet().iterator();
  }

  int size() {
    return users.size();
  }
}
