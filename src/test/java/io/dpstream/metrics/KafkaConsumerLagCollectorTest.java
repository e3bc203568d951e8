package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The lag a real consumer measures against a real (embedded KRaft) broker, as a gauge. */
class KafkaConsumerLagCollectorTest {
  private static final String NAME = "dpstream_gate_consumer_lag_records";

  @Test
  void exportsTheConsumersOwnLagPerPartition() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        admin.createTopics(List.of(new NewTopic("lagged", 2, (short) 1))).all().get();
      }
      Properties pp = new Properties();
      pp.put("bootstrap.servers", bs);
      try (var p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < 30; i++) {
          p.send(new ProducerRecord<>("lagged", 0, "u" + i, "v"));
          p.send(new ProducerRecord<>("lagged", 1, "u" + i, "v"));
        }
        p.flush();
      }

      Properties cp = new Properties();
      cp.put("bootstrap.servers", bs);
      cp.put("max.poll.records", "5");
      try (var consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
        List<TopicPartition> partitions =
            List.of(new TopicPartition("lagged", 0), new TopicPartition("lagged", 1));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        PrometheusRegistry registry = new PrometheusRegistry();
        KafkaConsumerLagCollector.register(registry, NAME, consumer::metrics);
        assertFalse(ExpositionText.scrape(registry).has(NAME, "topic", "lagged", "partition", "0"),
            "no lag before the first fetch");

        // the first fetch sees 30 records ahead of position 0 in a partition
        double firstLag = 0;
        int read = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (read == 0 && System.nanoTime() < deadline)
          read += consumer.poll(Duration.ofMillis(200)).count();
        ExpositionText first = ExpositionText.scrape(registry);
        for (String partition : List.of("0", "1"))
          if (first.has(NAME, "topic", "lagged", "partition", partition))
            firstLag = Math.max(firstLag, first.value(NAME, "topic", "lagged", "partition", partition));
        assertTrue(firstLag > 0 && firstLag <= 30, "lag at the first fetch: " + firstLag);

        // once everything is read and fetched again, both partitions report no lag
        boolean caughtUp = false;
        while (!caughtUp && System.nanoTime() < deadline) {
          read += consumer.poll(Duration.ofMillis(200)).count();
          ExpositionText text = ExpositionText.scrape(registry);
          caughtUp = read == 60
              && text.has(NAME, "topic", "lagged", "partition", "0")
              && text.value(NAME, "topic", "lagged", "partition", "0") == 0
              && text.has(NAME, "topic", "lagged", "partition", "1")
              && text.value(NAME, "topic", "lagged", "partition", "1") == 0;
        }
        assertEquals(60, read);
        assertTrue(caughtUp, ExpositionText.scrape(registry).text());
        assertEquals("gauge", ExpositionText.scrape(registry).types().get(NAME));
      }
    }
  }

  @Test
  void rejectsAnInvalidMetricName() {
    assertThrows(IllegalArgumentException.class,
        () -> new KafkaConsumerLagCollector("lag in records", Map::of));
  }
}
