package io.dpstream.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.kafka.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The key scheme under real log compaction: after the broker's cleaner has removed superseded
 * records, the topic still holds the newest snapshot complete, and a new follower loads it.
 */
class SnapshotCompactionTest {

  @Test
  void compactionKeepsTheNewestSnapshotComplete() throws Exception {
    String topic = "compacted";
    int chunk = 100_000;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
        Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<String, String> configs = new HashMap<>(SnapshotTopic.configs());
      // Roll segments quickly and clean eagerly so that the cleaner runs within the test.
      configs.put("segment.ms", "100");
      configs.put("min.cleanable.dirty.ratio", "0.01");
      configs.put("delete.retention.ms", "100");
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();

      int written = 0;
      ModelSnapshot last = null;
      try (var pub = new TransactionalSnapshotPublisher(
          broker.bootstrapServers(), "compaction-test", topic, chunk)) {
        // Sizes shrink at the end so that stale chunk keys are tombstoned too.
        int[] sizes = {450_000, 450_000, 450_000, 450_000, 650_000, 250_000};
        SnapshotPublisher counter = new SnapshotPublisher(topic, 1, chunk);
        for (int v = 1; v <= sizes.length; v++) {
          last = TestSnapshots.snapshot("m", v, sizes[v - 1]);
          written += counter.records(last).size();
          pub.publish(last);
          Thread.sleep(300);
        }
        // One more small, unrelated model so that the last snapshot's segment rolls.
        pub.publish(TestSnapshots.snapshot("roller", 1, 10));
        written += 2;
      }

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      List<ConsumerRecord<String, byte[]>> log = readAll(broker, topic);
      while (log.size() >= written && System.nanoTime() < deadline) {
        Thread.sleep(1000);
        log = readAll(broker, topic);
      }
      assertTrue(log.size() < written,
          "the cleaner compacted the topic: " + log.size() + " of " + written + " records left");

      // Superseded manifests of the model are gone; the newest is still there.
      long manifests = log.stream().filter(r -> r.key().equals("m")).count();
      assertTrue(manifests >= 1 && manifests < 6, manifests + " manifests of m left");

      try (SnapshotFollower f = SnapshotFollower.start(
          broker.bootstrapServers(), topic, "m", SnapshotFollower.DEFAULT_MAX_SNAPSHOT_BYTES)) {
        assertTrue(f.awaitCaughtUp(Duration.ofSeconds(30)));
        assertEquals(last, f.latest().orElseThrow());
      }
    }
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(EmbeddedKafkaBroker broker,
      String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    p.put("isolation.level", "read_committed");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      while (c.position(tp) < end) {
        for (var r : c.poll(Duration.ofMillis(200))) out.add(r);
      }
    }
    return out;
  }
}
