package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.BudgetPolicy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;

/** The gate's RocksDB stores share one bounded cache sized by {@code gate.rocksdbMemory}. */
class BoundedRocksDbMemoryTest {
  @TempDir Path stateDir;

  @Test
  void theGatesStreamsPropertiesNameTheSetterAndTheConfiguredTotal() {
    DpstreamConfig config = DpstreamConfig.of(Map.of("gate.rocksdbMemory", "96MiB"));
    Properties p = GateStreamsConfig.properties(config);
    assertEquals(BoundedRocksDbMemory.class, p.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
    assertEquals(96L << 20, p.get(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG));
    assertEquals("lz4", p.get(StreamsConfig.producerPrefix("compression.type")));
  }

  @Test
  void everyStoreGetsTheSameCacheAndWriteBufferManager() {
    long total = (32L << 20) + 1; // a size no other test uses: its own shared objects
    BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.shared(total);
    try (Options a = kafkaDefaults();
        Options b = kafkaDefaults()) {
      // As Kafka Streams does: one setter per store, the Streams configuration as a map.
      new BoundedRocksDbMemory()
          .setConfig("gate-pools", a, Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, total));
      new BoundedRocksDbMemory()
          .setConfig("gate-ledgers", b, Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, String.valueOf(total)));
      for (Options o : new Options[] {a, b}) {
        var table = (BlockBasedTableConfigWithAccessibleCache) o.tableFormatConfig();
        assertSame(shared.cache(), table.blockCache());
        assertTrue(table.cacheIndexAndFilterBlocks());
        assertTrue(table.cacheIndexAndFilterBlocksWithHighPriority());
        assertSame(shared.writeBuffers(), o.writeBufferManager());
        assertEquals(4L << 20, o.writeBufferSize()); // a quarter of the 16 MiB memtable budget
        assertEquals(2, o.maxWriteBufferNumber());
      }
    }
  }

  @Test
  void aMissingOrBadTotalIsAnError() {
    try (Options o = kafkaDefaults()) {
      var setter = new BoundedRocksDbMemory();
      var e = assertThrows(IllegalArgumentException.class, () -> setter.setConfig("s", o, Map.of()));
      assertTrue(e.getMessage().contains(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG), e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> setter.setConfig("s", o, Map.of(BoundedRocksDbMemory.TOTAL_BYTES_CONFIG, "64MiB")));
    }
  }

  /** End to end: the gate's real RocksDB stores, opened by Kafka Streams, charge the shared cache. */
  @Test
  void theGatesStoresChargeTheSharedCache() {
    long total = (24L << 20) + 7;
    DpstreamConfig config =
        DpstreamConfig.of(
            Map.of(
                "gate.featureCount", "4",
                "gate.labelClasses", "3",
                "topics.partitions", "1",
                "gate.rocksdbMemory", String.valueOf(total),
                "gate.stateDir", stateDir.toString()));
    Properties props = GateStreamsConfig.properties(config);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    BoundedRocksDbMemory.Shared shared = BoundedRocksDbMemory.shared(total);
    long before = shared.cache().getUsage();
    var topology =
        GateTopology.buildTopology(
            config, BudgetPolicy.withStepCap(config.privacy().policy(), 100), new CountingGateObserver(),
            SecureRandom::new);
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(1_000_000))) {
      ByteArraySerializer ser = new ByteArraySerializer();
      TestInputTopic<byte[], byte[]> in = driver.createInputTopic(Topics.TRAINING_RECORDS, ser, ser);
      for (int i = 0; i < 500; i++) {
        String user = "user-" + i;
        in.pipeInput(GateRecords.key(user), GateRecords.encode(GateRecords.record(user, 4, 1).build()));
      }
      assertEquals(500, driver.getKeyValueStore(GateTopology.POOL_STORE).approximateNumEntries());
      // The memtables holding the pools are charged to the shared cache by its write-buffer manager.
      assertTrue(shared.cache().getUsage() > before, "usage " + shared.cache().getUsage());
      assertTrue(shared.cache().getUsage() <= total + (1L << 20), "usage " + shared.cache().getUsage());
    }
  }

  /** Options as Kafka Streams' RocksDBStore hands them to the setter: its own table config. */
  private static Options kafkaDefaults() {
    Options o = new Options();
    o.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
    return o;
  }
}
