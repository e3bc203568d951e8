package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.TrustedAvroTypes;
import io.dpstream.data.DatasetKind;
import io.dpstream.data.DatasetReader;
import io.dpstream.data.DatasetSplit;
import io.dpstream.data.Split;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpstream produce} end to end on a real in-process KRaft broker: records written by the
 * command are read back with a plain consumer and decoded.
 */
class ProduceCommandTest {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    TrustedAvroTypes.install(); // the test decodes TrainingRecords
    broker = EmbeddedKafkaBroker.startTemporary();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) broker.close();
  }

  @Test
  void mnistRecordsArriveKeyedByUserWithTheirPixelsAndLabels() throws Exception {
    Path mnist = sharedData("mnist");
    createTopic("mnist-records", 3);
    Result r = run("produce", "--dataset", "mnist", "--data", mnist.toString(), "--split", "test",
        "--limit", "300", "--users-from", "k:10", "--start-time", "2024-01-01T00:00:00Z",
        "--topic", "mnist-records", "--bootstrap-servers", broker.bootstrapServers(), "--quiet");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("produced 300 records (mnist test, users from k:10) to mnist-records"), r.out());

    DatasetSplit expected = DatasetReader.open(DatasetKind.MNIST, mnist).read(Split.TEST);
    long t0 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    Set<Long> seenIndexes = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> c : consume("mnist-records", 300)) {
      TrainingRecord rec = TrainingRecord.fromByteBuffer(ByteBuffer.wrap(c.value()));
      assertEquals(rec.getUserId(), new String(c.key(), StandardCharsets.UTF_8));
      long i = rec.getEventTime().toEpochMilli() - t0; // the synthetic clock: 1 ms per record
      assertTrue(seenIndexes.add(i), "index " + i + " twice");
      assertEquals("user-" + (i / 10), rec.getUserId());
      assertEquals(expected.examples().get((int) i).label(), rec.getLabel());
      assertEquals(784, rec.getFeatures().size());
      assertEquals(expected.examples().get((int) i).features()[300], rec.getFeatures().get(300));
    }
    assertEquals(300, seenIndexes.size());
  }

  @Test
  void movieLensReplaysRatingsInTimeOrderPerUser() throws Exception {
    Path ml = sharedData("ml-100k");
    createTopic("ratings", 2);
    Result r = run("produce", "--dataset", "movielens", "--data", ml.toString(), "--limit", "400",
        "--topic", "ratings", "--bootstrap-servers", broker.bootstrapServers(), "--quiet");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("users from data"), r.out());
    // Keys hash to partitions, so each user's ratings stay in one partition, in time order.
    Map<String, Long> lastTime = new java.util.HashMap<>();
    for (ConsumerRecord<byte[], byte[]> c : consume("ratings", 400)) {
      TrainingRecord rec = TrainingRecord.fromByteBuffer(ByteBuffer.wrap(c.value()));
      assertEquals(rec.getUserId(), new String(c.key(), StandardCharsets.UTF_8));
      assertEquals(rec.getCategoricalIds().get(0) + 1, Integer.parseInt(rec.getUserId()));
      long t = rec.getEventTime().toEpochMilli();
      Long previous = lastTime.put(rec.getUserId(), t);
      assertTrue(previous == null || previous <= t, "user " + rec.getUserId() + " out of order");
      assertTrue(rec.getTarget() >= 1 && rec.getTarget() <= 5);
    }
  }

  @Test
  void aCsvWithAUserColumnAndASyntheticStreamAtARateLimit(@TempDir Path dir) throws Exception {
    createTopic("csv-records", 1);
    Path f = dir.resolve("events.csv");
    Files.writeString(f, "who,x1,x2,y\nann,1,2,0\nbob,3,4,1\nann,5,6,1\n");
    Result csv = run("produce", "--dataset", "csv", "--data", f.toString(), "--csv-header",
        "--csv-features", "x1,x2", "--csv-label", "y", "--users-from", "column:who",
        "--topic", "csv-records", "--bootstrap-servers", broker.bootstrapServers(), "--quiet");
    assertEquals(0, csv.exit(), csv.err());
    List<String> users = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> c : consume("csv-records", 3)) {
      users.add(TrainingRecord.fromByteBuffer(ByteBuffer.wrap(c.value())).getUserId());
    }
    assertEquals(List.of("ann", "bob", "ann"), users);

    createTopic("synthetic-records", 2);
    long started = System.nanoTime();
    Result syn = run("produce", "--dataset", "synthetic", "--limit", "200", "--rate", "400",
        "--topic", "synthetic-records", "--bootstrap-servers", broker.bootstrapServers(), "-q");
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(0, syn.exit(), syn.err());
    // 200 records at 400/s: the limiter spaces 199 gaps of 2.5 ms.
    assertTrue(seconds >= 0.45, "took only " + seconds + " s");
    List<ConsumerRecord<byte[], byte[]>> records = consume("synthetic-records", 200);
    assertEquals(200, records.size());
    TrainingRecord first = TrainingRecord.fromByteBuffer(ByteBuffer.wrap(records.get(0).value()));
    assertEquals(16, first.getFeatures().size());
    assertTrue(first.getUserId().startsWith("user-"));
  }

  @Test
  void aMissingTopicIsABadInputNamedInOneLine() {
    Result r = run("produce", "--dataset", "synthetic", "--limit", "1", "--topic", "absent",
        "--bootstrap-servers", broker.bootstrapServers());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("topic absent does not exist"), r.err());
  }

  private static Path sharedData(String name) {
    String env = System.getenv("DPSTREAM_SHARED_DATA");
    Path dir = (env != null ? Path.of(env) : Path.of("..", "shared", "data")).resolve(name);
    assumeTrue(Files.isDirectory(dir), "shared data set " + dir + " is absent");
    return dir;
  }

  private static void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  /** Reads a topic from the beginning with assigned partitions (no group to join). */
  private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected) {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    p.put("isolation.level", "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = c.partitionsFor(topic).stream()
          .map(info -> new TopicPartition(topic, info.partition()))
          .toList();
      c.assign(partitions);
      c.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      // Nothing beyond what was produced.
      c.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    assertEquals(expected, out.size(), "records on " + topic);
    return out;
  }

  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = DpstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }
}
