package io.dpstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.data.Example;
import io.dpstream.data.SyntheticSource;
import io.dpstream.data.SyntheticSpec;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The producer's wire format and its failure reporting, on a real in-process broker. */
class TrainingRecordProducerTest {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.startTemporary();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("records", 1, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) broker.close();
  }

  @Test
  void theWireFormatIsTheUserIdAndAvroSingleObjectEncoding() throws Exception {
    TrainingRecord r = new SyntheticSource(SyntheticSpec.defaults()).next();
    assertEquals(r.getUserId(), new String(TrainingRecordProducer.key(r), java.nio.charset.StandardCharsets.UTF_8));
    byte[] value = TrainingRecordProducer.value(r);
    // Single-object encoding: marker C3 01, the schema's 8-byte fingerprint, the binary datum.
    assertEquals((byte) 0xC3, value[0]);
    assertEquals((byte) 0x01, value[1]);
    // Any reader with the schema decodes it, without the generated class.
    GenericRecord generic =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), TrainingRecord.getClassSchema())
            .decode(ByteBuffer.wrap(value), null);
    assertEquals(r.getUserId(), generic.get("userId").toString());
    assertEquals(r.getLabel(), generic.get("label"));
    assertEquals(16, ((List<?>) generic.get("features")).size());
  }

  @Test
  void everyRecordIsAcknowledged() {
    SyntheticSource source = new SyntheticSource(SyntheticSpec.defaults());
    try (TrainingRecordProducer p =
        new TrainingRecordProducer(broker.bootstrapServers(), "records", Map.of())) {
      long n = p.sendAll(source, 500, null, i -> {}, () -> false);
      assertEquals(500, n);
      assertEquals(500, p.acknowledged());
      assertEquals(500, p.sent());
    }
  }

  @Test
  void aFailedSendIsReportedNotLost() {
    float[] big = new float[2_000];
    Arrays.fill(big, 0.5f);
    TrainingRecord tooLarge = Example.classified(big, 1).toRecord("alice", 0L);
    try (TrainingRecordProducer p = new TrainingRecordProducer(
        broker.bootstrapServers(), "records", Map.of("max.request.size", "4096"))) {
      p.send(tooLarge);
      var e = assertThrows(IllegalStateException.class, p::flush);
      assertTrue(e.getMessage().startsWith("writing to records failed"), e.getMessage());
      assertInstanceOf(RecordTooLargeException.class, e.getCause());
      assertEquals(0, p.acknowledged());
      // And every later send refuses too: nothing is written after a loss.
      assertThrows(IllegalStateException.class, () -> p.send(tooLarge));
    }
  }

  @Test
  void aMissingTopicOrAnAbsentBrokerIsAClearBadInput() throws Exception {
    var missing = assertThrows(IllegalArgumentException.class, () -> TrainingRecordProducer.requireTopic(
        broker.bootstrapServers(), "nope", Map.of(), Duration.ofSeconds(10)));
    assertTrue(missing.getMessage().contains("topic nope does not exist on " + broker.bootstrapServers()),
        missing.getMessage());
    TrainingRecordProducer.requireTopic(broker.bootstrapServers(), "records", Map.of(), Duration.ofSeconds(10));

    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var absent = assertThrows(IllegalArgumentException.class, () -> TrainingRecordProducer.requireTopic(
        "127.0.0.1:" + closedPort, "records", Map.of(), Duration.ofSeconds(2)));
    assertTrue(absent.getMessage().contains("no Kafka broker answered at 127.0.0.1:" + closedPort),
        absent.getMessage());
    assertTrue(absent.getMessage().contains("dpstream broker"), absent.getMessage());
  }
}
