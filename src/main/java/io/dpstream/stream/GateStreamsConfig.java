package io.dpstream.stream;

import io.dpstream.config.DpstreamConfig;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/** The Kafka Streams settings of the gate, separate from its topology. */
public final class GateStreamsConfig {
  private GateStreamsConfig() {}

  /**
   * Streams properties: exactly-once v2, the configured state directory, commit interval, threads
   * and replication, RocksDB's native memory bounded by {@code gate.rocksdbMemory} ({@link
   * BoundedRocksDbMemory}), then {@code kafka.properties} passed through untouched (they win, so TLS, SASL
   * or client tuning need no code).
   */
  public static Properties properties(DpstreamConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.gate().applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.gate().stateDir().toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.gate().commitInterval().toMillis());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.gate().threads());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().replicationFactor());
    // A larger record cache coalesces repeated pool and ledger writes of busy users.
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // Compressed batches: a close writes several records per charged, sampled or exhausted user,
    // largely alike (ledgers of one regime, alerts); lz4 costs little CPU and halves what the broker
    // receives, stores and serves.
    p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    // Without it every store has its own block cache and unbounded index, filter and memtable
    // memory: the gate's resident set grew with its state in the sustained-load run.
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    p.put(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, config.gate().rocksdbMemory());
    p.putAll(config.kafka().properties());
    return p;
  }
}
