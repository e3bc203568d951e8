package io.dpstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerTest {

  @Test
  void aRecordWrittenIsReadBack() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
      }
      Properties pp = new Properties();
      pp.put("bootstrap.servers", bs);
      try (var p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
        p.send(new ProducerRecord<>("t", "k", "v")).get();
      }
      Properties cp = new Properties();
      cp.put("bootstrap.servers", bs);
      cp.put("group.id", "g");
      cp.put("auto.offset.reset", "earliest");
      try (var c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
        c.subscribe(List.of("t"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int seen = 0;
        while (seen == 0 && System.nanoTime() < deadline) {
          ConsumerRecords<String, String> recs = c.poll(Duration.ofMillis(200));
          for (var r : recs) {
            assertEquals("v", r.value());
            seen++;
          }
        }
        assertEquals(1, seen);
      }
    }
  }
}
