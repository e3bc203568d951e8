package io.dpstream.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.avro.SnapshotChunk;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publisher and follower on a real embedded broker with default message limits (1 MB): each test
 * has its own topic.
 */
class SnapshotFollowerTest {
  private static final Logger log = LoggerFactory.getLogger(SnapshotFollowerTest.class);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static EmbeddedKafkaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.startTemporary();
    admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
  }

  @AfterAll
  static void stopBroker() {
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  private static String topic(String name) {
    SnapshotTopic.ensure(admin, name, 3, (short) 1);
    return name;
  }

  private static TransactionalSnapshotPublisher publisher(String topic) {
    return new TransactionalSnapshotPublisher(
        broker.bootstrapServers(), "test-" + topic, topic, SnapshotPublisher.DEFAULT_CHUNK_BYTES);
  }

  private static SnapshotFollower follower(String topic, String modelId) {
    return SnapshotFollower.start(
        broker.bootstrapServers(), topic, modelId, SnapshotFollower.DEFAULT_MAX_SNAPSHOT_BYTES);
  }

  private static KafkaProducer<byte[], byte[]> rawProducer(String transactionalId) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    if (transactionalId != null) p.put("transactional.id", transactionalId);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Test
  void aSmallSnapshotRoundTrips() throws Exception {
    String topic = topic("small");
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 10_000);
    SnapshotFollower f = follower(topic, "m");
    try (var pub = publisher(topic)) {
      pub.publish(s);
      assertEquals(s, f.awaitVersion(1, WAIT).orElseThrow());
      assertEquals(s.privacy(), f.latest().orElseThrow().privacy());
      assertEquals(0, f.rejectedVersions());
      assertTrue(f.running(), "following");
    } finally {
      f.close();
    }
    assertFalse(f.running(), "closed: serve's liveness probe fails");
  }

  @Test
  void aFiftyMegabyteSnapshotIsChunkedUnderTheDefaultLimitAndReassembled() throws Exception {
    String topic = topic("large");
    ModelSnapshot s = TestSnapshots.snapshot("big", 1, 50 * 1024 * 1024 + 17);
    var records = new SnapshotPublisher(topic, 3, SnapshotPublisher.DEFAULT_CHUNK_BYTES).records(s);
    assertTrue(records.size() >= 57, "a 50 MiB snapshot takes at least 57 chunks of 900 KiB");
    for (var r : records) {
      assertTrue(r.value().length < 1_000_000, "record of " + r.value().length + " bytes");
    }
    long start = System.nanoTime();
    try (var f = follower(topic, "big")) {
      try (var pub = publisher(topic)) {
        pub.publish(s);
      }
      ModelSnapshot back = f.awaitVersion(1, Duration.ofSeconds(60)).orElseThrow();
      log.info("50 MiB snapshot published and reassembled in {} ms",
          (System.nanoTime() - start) / 1_000_000);
      assertEquals(s.parametersSha256(), back.parametersSha256());
      assertArrayEquals(s.parameterBytes(), back.parameterBytes());
    }
  }

  @Test
  void aFollowerSeesVersionsIncrease() throws Exception {
    String topic = topic("increasing");
    List<Long> seen = Collections.synchronizedList(new ArrayList<>());
    try (var f = follower(topic, "m"); var pub = publisher(topic)) {
      f.addListener(s -> seen.add(s.version()));
      for (long v = 1; v <= 5; v++) {
        pub.publish(TestSnapshots.snapshot("m", v, 1_500_000));
      }
      assertEquals(5, f.awaitVersion(5, WAIT).orElseThrow().version());
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seen);
  }

  @Test
  void aCorruptedChunkIsNeverExposedAndThePreviousVersionStays() throws Exception {
    String topic = topic("corrupt");
    ModelSnapshot v1 = TestSnapshots.snapshot("m", 1, 2_000_000);
    List<Long> seen = Collections.synchronizedList(new ArrayList<>());
    try (var pub = publisher(topic); var f = follower(topic, "m")) {
      f.addListener(s -> seen.add(s.version()));
      pub.publish(v1);
      assertEquals(v1, f.awaitVersion(1, WAIT).orElseThrow());

      // Version 2, written by a plain producer with one payload byte flipped in its second chunk,
      // then a record of garbage under a chunk key: both must be refused.
      var v2 = new SnapshotPublisher(topic, 3, SnapshotPublisher.DEFAULT_CHUNK_BYTES)
          .records(TestSnapshots.snapshot("m", 2, 2_000_000));
      SnapshotChunk c = SnapshotCodec.decodeChunk(v2.get(1).value());
      byte[] payload = new byte[c.getPayload().remaining()];
      c.getPayload().get(payload);
      payload[payload.length / 2] ^= 0x01;
      c.setPayload(ByteBuffer.wrap(payload));
      try (var raw = rawProducer(null)) {
        for (int i = 0; i < v2.size(); i++) {
          var r = v2.get(i);
          byte[] value = i == 1 ? SnapshotCodec.encodeChunk(c) : r.value();
          raw.send(new ProducerRecord<>(topic, r.partition(), r.key(), value)).get();
        }
        raw.send(new ProducerRecord<>(topic, v2.get(0).partition(), "m/chunk-0".getBytes(),
            new byte[] {(byte) 0xC3, 1, 2, 3})).get();
      }

      // A follower started now reads v1 whole, then refuses v2.
      try (var late = follower(topic, "m")) {
        assertTrue(late.awaitCaughtUp(WAIT));
        assertEquals(v1, late.latest().orElseThrow());
        assertEquals(1, late.rejectedVersions());
        assertEquals(1, late.malformedRecords());
      }
      assertEquals(v1, f.latest().orElseThrow());

      ModelSnapshot v3 = TestSnapshots.snapshot("m", 3, 2_000_000);
      pub.publish(v3);
      assertEquals(v3, f.awaitVersion(3, WAIT).orElseThrow());
      assertEquals(1, f.rejectedVersions());
    }
    assertEquals(List.of(1L, 3L), seen);
  }

  @Test
  void anAbortedTransactionIsNeverExposed() throws Exception {
    String topic = topic("aborted");
    try (var pub = publisher(topic); var f = follower(topic, "m")) {
      pub.publish(TestSnapshots.snapshot("m", 1, 1000));
      var v2 = new SnapshotPublisher(topic, 3, 100_000)
          .records(TestSnapshots.snapshot("m", 2, 500_000));
      try (var raw = rawProducer("aborting-" + topic)) {
        raw.initTransactions();
        raw.beginTransaction();
        for (var r : v2) raw.send(r);
        raw.flush();
        raw.abortTransaction();
      }
      pub.publish(TestSnapshots.snapshot("m", 3, 1000));
      List<Long> seen = Collections.synchronizedList(new ArrayList<>());
      try (var late = follower(topic, "m")) {
        late.addListener(s -> seen.add(s.version()));
        assertEquals(3, late.awaitVersion(3, WAIT).orElseThrow().version());
      }
      assertEquals(List.of(1L, 3L), seen);
      assertEquals(3, f.awaitVersion(3, WAIT).orElseThrow().version());
      assertEquals(0, f.rejectedVersions(), "aborted records are not even read");
    }
  }

  @Test
  void aSnapshotInAnOpenTransactionIsNotExposedUntilCommitted() throws Exception {
    String topic = topic("open");
    try (var pub = publisher(topic); var f = follower(topic, "m")) {
      pub.publish(TestSnapshots.snapshot("m", 1, 1000));
      f.awaitVersion(1, WAIT).orElseThrow();
      ModelSnapshot v2 = TestSnapshots.snapshot("m", 2, 2_500_000);
      try (var raw = rawProducer("open-" + topic)) {
        raw.initTransactions();
        raw.beginTransaction();
        for (var r : new SnapshotPublisher(topic, 3, SnapshotPublisher.DEFAULT_CHUNK_BYTES)
            .records(v2)) {
          raw.send(r);
        }
        raw.flush();
        assertEquals(Optional.empty(), f.awaitVersion(2, Duration.ofSeconds(2)),
            "every record of version 2 is on the broker, uncommitted");
        assertEquals(1, f.latest().orElseThrow().version());
        raw.commitTransaction();
      }
      assertEquals(v2, f.awaitVersion(2, WAIT).orElseThrow());
    }
  }

  @Test
  void aFollowerStartedAfterSeveralPublicationsHoldsTheNewest() throws Exception {
    String topic = topic("late");
    try (var pub = publisher(topic)) {
      for (long v = 1; v <= 4; v++) pub.publish(TestSnapshots.snapshot("m", v, 1_200_000));
      pub.publish(TestSnapshots.snapshot("other", 9, 1000));
    }
    try (var f = follower(topic, "m")) {
      assertTrue(f.awaitCaughtUp(WAIT));
      assertEquals(4, f.latest().orElseThrow().version());
      assertEquals(TestSnapshots.snapshot("m", 4, 1_200_000), f.latest().orElseThrow());
    }
  }

  @Test
  void aServerFedByAFollowerAnswersWithTheNewestVersion() throws Exception {
    String topic = topic("served");
    try (var server = new SnapshotServer(new InetSocketAddress("127.0.0.1", 0),
            new FakeSnapshotPredictor(), SnapshotServer.Limits.defaults());
        var f = follower(topic, "m");
        var pub = publisher(topic)) {
      f.addListener(server::load);
      for (long v = 1; v <= 2; v++) {
        pub.publish(ModelSnapshot.of("m", v, v, Instant.now(), "fake:sum:2",
            new byte[] {(byte) v}, TestSnapshots.PRIVACY));
      }
      f.awaitVersion(2, WAIT).orElseThrow();
      var client = HttpClient.newHttpClient();
      var response = client.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + server.port() + "/predict"))
              .POST(HttpRequest.BodyPublishers.ofString("{\"rows\": [[1, 2]]}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode(), response.body());
      var body = new ObjectMapper().readTree(response.body());
      assertEquals(2, body.get("snapshot").get("version").asLong());
      assertEquals(3.0, body.get("predictions").get(0).get("value").asDouble(), 1e-9);
    }
  }
}
