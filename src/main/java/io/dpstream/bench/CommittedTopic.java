package io.dpstream.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Everything committed to one topic, read from the beginning with {@code read_committed} up to the
 * end offsets (last stable offsets) seen when reading started. No consumer group: nothing is
 * committed, so reading never disturbs the pipeline.
 */
public final class CommittedTopic {
  private CommittedTopic() {}

  /**
   * Reads every committed record of {@code topic}, partition by partition in offset order.
   *
   * @throws IllegalStateException if the end is not reached within {@code timeout}
   */
  static List<ConsumerRecord<byte[], byte[]>> readAll(
      String bootstrapServers, String topic, Duration timeout) {
    try (KafkaConsumer<byte[], byte[]> c = fromBeginning(bootstrapServers, topic, timeout)) {
      Map<TopicPartition, Long> end = c.endOffsets(c.assignment(), timeout);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!reached(c, end)) {
        if (System.nanoTime() > deadline)
          throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
      }
      out.sort(
          java.util.Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
              .thenComparingLong(ConsumerRecord::offset));
      return out;
    }
  }

  /** End offsets (last stable offsets under read_committed) of every partition of {@code topic}. */
  static Map<Integer, Long> endOffsets(String bootstrapServers, String topic, Duration timeout) {
    try (KafkaConsumer<byte[], byte[]> c = fromBeginning(bootstrapServers, topic, timeout)) {
      Map<Integer, Long> out = new java.util.TreeMap<>();
      c.endOffsets(c.assignment(), timeout).forEach((tp, o) -> out.put(tp.partition(), o));
      return out;
    }
  }

  /**
   * A {@code read_committed} consumer without a group (nothing is ever committed), assigned every
   * partition of {@code topic} and positioned at its beginning. The caller closes it.
   */
  public static KafkaConsumer<byte[], byte[]> fromBeginning(String bootstrapServers, String topic, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> parts =
          c.partitionsFor(topic, timeout).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) return false;
    }
    return true;
  }
}
