package io.dpstream.stream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Caps the native memory of every RocksDB store of the gate in one process at {@code
 * gate.rocksdbMemory} bytes, the bounded-memory recipe of the Kafka Streams memory-management
 * guide: all stores share one LRU block cache of that capacity, their memtables are charged to it
 * through one {@link WriteBufferManager}, and index and filter blocks live in it too (instead of
 * on the heap of each table reader, where they grow with the data). Without it each store has its
 * own 50 MiB block cache plus unbounded index, filter and memtable memory, so a gate's resident
 * set grows with the number of stores and the size of their data.
 *
 * <p>Kafka Streams creates one instance per store (by class name, through {@link
 * org.apache.kafka.streams.StreamsConfig#ROCKSDB_CONFIG_SETTER_CLASS_CONFIG}) and passes the
 * Streams configuration to {@link #setConfig}; the size comes from {@link #TOTAL_BYTES_CONFIG}
 * there. The shared cache and write-buffer manager are created once per size and process and are
 * never closed: the stores of every task use them, for the life of the process, and closing them
 * under an open store would free memory it still points to (the guide's rule: do not close shared
 * objects in {@link #close}).
 *
 * <p>The cache's capacity limit is not strict (as the guide advises): a write that needs memory
 * beyond it is not failed, and RocksDB evicts blocks to come back under it.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
  /** The Streams property carrying the total in bytes (a number or its decimal string). */
  public static final String TOTAL_BYTES_CONFIG = "dpstream.rocksdb.memory.bytes";

  /** Share of the cache reserved for index and filter blocks (high priority), as in the guide. */
  static final double INDEX_FILTER_RATIO = 0.1;

  /** Share of the total the memtables may take (charged to the cache). */
  static final double MEMTABLE_RATIO = 0.5;

  /** One shared cache and write-buffer manager per configured size, for the process's life. */
  record Shared(long totalBytes, Cache cache, WriteBufferManager writeBuffers) {
    static Shared of(long totalBytes) {
      Cache cache = new LRUCache(totalBytes, -1, false, INDEX_FILTER_RATIO);
      return new Shared(
          totalBytes, cache, new WriteBufferManager((long) (totalBytes * MEMTABLE_RATIO), cache));
    }

    /** A single memtable's size: a quarter of the memtable budget, between 1 and 16 MiB. */
    long writeBufferBytes() {
      return Math.max(1L << 20, Math.min(16L << 20, (long) (totalBytes * MEMTABLE_RATIO) / 4));
    }
  }

  private static final Map<Long, Shared> SHARED = new ConcurrentHashMap<>();

  /** The shared objects for {@code totalBytes} (created on first use; never closed). */
  static Shared shared(long totalBytes) {
    return SHARED.computeIfAbsent(totalBytes, Shared::of);
  }

  /**
   * Points the store at the shared cache and write-buffer manager.
   *
   * @throws IllegalArgumentException if {@code configs} lacks a positive {@link
   *     #TOTAL_BYTES_CONFIG}
   */
  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Shared shared = shared(totalBytes(configs));
    // Kafka Streams' own table config (its block size and Bloom filter, which it closes itself):
    // only the cache and where index and filter blocks live change.
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(shared.cache());
    table.setCacheIndexAndFilterBlocks(true);
    // Index and filter blocks are evicted last, and the top level of partitioned ones stays put.
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(shared.writeBuffers());
    options.setWriteBufferSize(shared.writeBufferBytes());
    options.setMaxWriteBufferNumber(2);
  }

  /**
   * Nothing to close: this setter opens no per-store native object (the table config and its
   * filter are Kafka Streams', which closes them), and the shared cache and write-buffer manager
   * outlive every store.
   */
  @Override
  public void close(String storeName, Options options) {}

  static long totalBytes(Map<String, Object> configs) {
    Object v = configs.get(TOTAL_BYTES_CONFIG);
    long n;
    if (v instanceof Number number) n = number.longValue();
    else if (v instanceof String s) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
    } else n = -1;
    if (n <= 0)
      throw new IllegalArgumentException(
          TOTAL_BYTES_CONFIG + " must be a positive number of bytes, got " + v);
    return n;
  }
}
