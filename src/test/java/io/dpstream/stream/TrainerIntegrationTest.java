package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserContribution;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.TrainerObserver;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.SnapshotFollower;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trainer on a real broker, fed step messages as the gate writes them: steps are trained in
 * order, each exactly once, across a stop and a restart; snapshots reach a follower with
 * increasing versions.
 */
class TrainerIntegrationTest {
  private static final int GATE_PARTITIONS = 2;
  private static final int FEATURES = 4;
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = EmbeddedKafkaBroker.startTemporary();
    TopicProvisioner.ensureTopics(config(0));
  }

  /** Two gate partitions, a tiny MLP, snapshots every 2 steps; {@code maxSteps} 0 = no limit. */
  private static DpstreamConfig config(long maxSteps) {
    return DpstreamConfig.of(
            Map.ofEntries(
                Map.entry("topics.partitions", String.valueOf(GATE_PARTITIONS)),
                Map.entry("privacy.epsilonCap", "4"),
                Map.entry("privacy.samplingRate", "0.5"),
                Map.entry("privacy.noiseMultiplier", "1.0"),
                Map.entry("gate.featureCount", String.valueOf(FEATURES)),
                Map.entry("gate.labelClasses", "2"),
                Map.entry("trainer.model", "mlp:4-8-2"),
                Map.entry("trainer.expectedBatchSize", "4"),
                Map.entry("trainer.snapshotEverySteps", "2"),
                Map.entry("trainer.stepTimeout", "2s"),
                Map.entry("trainer.maxSteps", String.valueOf(maxSteps))))
        .withBootstrapServers(broker.bootstrapServers());
  }

  @AfterAll
  static void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void trainsEveryStepOnceAcrossARestartAndPublishesSnapshots() throws Exception {
    writeSteps(1000, 6);

    List<TrainedStep> first = runTrainer(3);
    assertEquals(List.of(1L, 2L, 3L), first.stream().map(TrainedStep::step).toList());
    assertEquals(List.of(1000L, 1001L, 1002L), first.stream().map(TrainedStep::gateStep).toList());
    assertTrue(first.stream().allMatch(TrainedStep::complete), "all markers arrived");

    // A new instance resumes from the committed checkpoint and offsets.
    List<TrainedStep> second = runTrainer(6);
    assertEquals(List.of(4L, 5L, 6L), second.stream().map(TrainedStep::step).toList());
    assertEquals(List.of(1003L, 1004L, 1005L), second.stream().map(TrainedStep::gateStep).toList());

    // privacy-metrics holds each step exactly once, in order: no step repeated or skipped.
    List<PrivacyMetrics> metrics = readMetrics(6);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), metrics.stream().map(PrivacyMetrics::getStep).toList());
    assertEquals(3L, metrics.get(0).getUsersCharged(), "markers' charged counts are summed");

    try (SnapshotFollower f = SnapshotFollower.start(broker.bootstrapServers(), "default")) {
      // Versions: step 2, step 3 (the first run stopped), step 4, step 6.
      ModelSnapshot s = f.awaitVersion(4, Duration.ofSeconds(30)).orElseThrow();
      assertEquals(4, s.version());
      assertEquals(6, s.step());
      assertEquals(6, s.privacy().steps());
      assertEquals(4.0, s.privacy().epsilonCap());
    }
  }

  private static List<TrainedStep> runTrainer(long maxSteps) throws InterruptedException {
    DpstreamConfig c = config(maxSteps);
    List<TrainedStep> seen = new CopyOnWriteArrayList<>();
    Trainer trainer =
        new Trainer(
            c, BudgetPolicy.withStepCap(c.privacy().policy(), 100), TrainerObserver.NONE, seen::add);
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread th = new Thread(trainer);
    th.setUncaughtExceptionHandler((t, e) -> failures.add(e));
    th.start();
    th.join(Duration.ofSeconds(90).toMillis());
    trainer.close();
    th.join();
    if (!failures.isEmpty()) throw new AssertionError("trainer failed", failures.get(0));
    return new ArrayList<>(seen);
  }

  /** Writes {@code steps} gate steps from each gate partition: two users sampled, then a marker. */
  private static void writeSteps(long firstStep, int steps) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    Random rnd = new Random(7);
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long s = firstStep; s < firstStep + steps; s++) {
        for (int g = 0; g < GATE_PARTITIONS; g++) {
          int sampled = g == 0 ? 2 : 1;
          for (int u = 0; u < sampled; u++) {
            String user = "u" + g + "-" + u;
            List<Float> features = new ArrayList<>();
            for (int i = 0; i < FEATURES; i++) features.add((float) rnd.nextGaussian());
            TrainingRecord r =
                TrainingRecord.newBuilder()
                    .setUserId(user)
                    .setEventTime(Instant.ofEpochMilli(s))
                    .setFeatures(features)
                    .setLabel(rnd.nextInt(2))
                    .build();
            send(producer, g, new StepMessage(s, g, new UserContribution(user, List.of(r))));
          }
          StepMarker m =
              StepMarker.newBuilder()
                  .setGatePartitions(GATE_PARTITIONS)
                  .setClosedAtMillis(Instant.now())
                  .setUsersPooled(3)
                  .setUsersCharged(g == 0 ? 2 : 1)
                  .setUsersSampled(sampled)
                  .setRecordsEmitted(sampled)
                  .setUsersNearCap(0)
                  .setUsersExhausted(0)
                  .setMaxEpsilon(0.5)
                  .setEpsilonBucketCounts(Collections.nCopies(10, 0L))
                  .build();
          send(producer, g, new StepMessage(s, g, m));
        }
      }
      producer.flush();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, int partition, StepMessage m)
      throws Exception {
    ByteBuffer b = m.toByteBuffer();
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    producer.send(new ProducerRecord<>(Topics.STEP_CONTRIBUTIONS, partition, null, bytes)).get();
  }

  private static List<PrivacyMetrics> readMetrics(int expected) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "metrics-reader");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<PrivacyMetrics> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(Topics.PRIVACY_METRICS));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          out.add(PrivacyMetrics.fromByteBuffer(ByteBuffer.wrap(r.value())));
        }
        if (out.size() >= expected) {
          // Read a little longer: a repeated step would show up as an extra record.
          for (var r : c.poll(Duration.ofSeconds(1))) {
            out.add(PrivacyMetrics.fromByteBuffer(ByteBuffer.wrap(r.value())));
          }
          break;
        }
      }
    }
    return out;
  }
}
