package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.UserContribution;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.BudgetPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gate restarted mid-stream rebuilds its in-memory pool index from the restored stores and then
 * closes steps exactly as a gate that never stopped: the same users charged, exhausted, alerted,
 * expired and sampled, with the same contributions, ledgers and markers, in the same order.
 *
 * <p>Steps are count-triggered so that both gates see the same step boundaries, and q = 1 so that
 * sampling draws no randomness: every eligible user is sampled, so the contributions show exactly
 * whom each close found eligible and which records it read from their pools. (With q &lt; 1 the
 * coins differ between instances by design: each task seeds its sampler from a fresh SecureRandom.
 * The order in which coins are drawn is the pool store's key order before and after a rebuild:
 * {@code PoolIndexTest}.)
 */
class GateRestartTest {
  private static final int RECORDS = 600;
  private static final int STEP_RECORDS = 40;
  private static final int USERS = 30;
  private static final long STEP_CAP = 5;
  /** Ids whose UTF-8 order differs from UTF-16 order, next to ASCII ones. */
  private static final List<String> ODD_IDS = List.of("\uD83D\uDE00-smile", "\uFFFD-replacement", "\u00FC-umlaut");

  private EmbeddedKafkaBroker broker;
  @TempDir Path tmp;

  @BeforeEach
  void startBroker() {
    broker = EmbeddedKafkaBroker.startTemporary();
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  private DpstreamConfig config(String applicationId, Path stateDir) {
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrapServers", broker.bootstrapServers());
    s.put("topics.partitions", "1");
    s.put("topics.ledgerPartitions", "1");
    s.put("gate.applicationId", applicationId);
    s.put("gate.stateDir", stateDir.toString());
    s.put("gate.commitInterval", "50ms");
    s.put("gate.stepTrigger", "count");
    s.put("gate.stepRecords", String.valueOf(STEP_RECORDS));
    s.put("gate.retentionSteps", "3"); // users who stop sending leave the pool
    s.put("gate.maxRecordsPerUser", "3"); // busy users evict their oldest records
    s.put("gate.recordsPerContribution", "2");
    s.put("gate.ledgerPublishSteps", "2"); // charge bases rewritten every other step
    s.put("gate.featureCount", "4");
    s.put("gate.labelClasses", "3");
    s.put("privacy.samplingRate", "1");
    s.put("privacy.noiseMultiplier", "1.5");
    s.put("privacy.warningFraction", "0.5");
    return DpstreamConfig.of(s);
  }

  private static String user(int i) {
    // Each step's 40 records come from a window of 12 of the 30 users that moves by 5 a step, so
    // users enter, leave (retention) and come back, and are exhausted at different steps.
    int u = (i / STEP_RECORDS * 5 + i % 12) % USERS;
    return u < ODD_IDS.size() ? ODD_IDS.get(u) + u : "user-" + u;
  }

  private void produce(int from, int to) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        String user = user(i);
        byte[] value =
            GateRecords.encode(GateRecords.record(user, 4, i % 3).setFeatures(List.of((float) i, 0f, 1f, 2f)).build());
        producer.send(new ProducerRecord<>(Topics.TRAINING_RECORDS, GateRecords.key(user), value));
      }
      producer.flush();
    }
  }

  /** Runs the gate {@code applicationId} on {@code stateDir} until it has committed {@code upTo} input records. */
  private void runUntil(String applicationId, Path stateDir, BudgetPolicy policy, long upTo) throws Exception {
    DpstreamConfig config = config(applicationId, stateDir);
    GateRunner gate =
        GateRunner.start(
            config, GateTopology.buildTopology(config, policy, new CountingGateObserver(), SecureRandom::new));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      assertTrue(gate.awaitRunning(Duration.ofSeconds(60)), applicationId + " running");
      TopicPartition input = new TopicPartition(Topics.TRAINING_RECORDS, 0);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        OffsetAndMetadata o =
            admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get().get(input);
        if (o != null && o.offset() >= upTo) break;
        assertTrue(System.nanoTime() < deadline, applicationId + " committed " + o + " of " + upTo);
        Thread.sleep(50);
      }
    } finally {
      gate.close();
    }
  }

  /** What a run wrote, with wall-clock times cleared. */
  private record Outputs(List<StepMessage> steps, List<PrivacyLedgerEntry> ledgers, List<BudgetAlert> alerts) {}

  private static Outputs read(CommittedTopicReader steps, CommittedTopicReader ledgers, CommittedTopicReader alerts) {
    List<StepMessage> s = new ArrayList<>();
    for (var r : steps.readToEnd(Duration.ofSeconds(60))) {
      StepMessage m = GateMessages.stepMessage(r.value());
      if (m.getBody() instanceof StepMarker marker) marker.setClosedAtMillis(Instant.EPOCH);
      s.add(m);
    }
    List<PrivacyLedgerEntry> l = new ArrayList<>();
    for (var r : ledgers.readToEnd(Duration.ofSeconds(60))) {
      PrivacyLedgerEntry e = GateMessages.ledgerEntry(r.value());
      e.setUpdatedAtMillis(Instant.EPOCH);
      l.add(e);
    }
    List<BudgetAlert> a = new ArrayList<>();
    for (var r : alerts.readToEnd(Duration.ofSeconds(60))) {
      BudgetAlert x = GateMessages.budgetAlert(r.value());
      x.setTimeMillis(Instant.EPOCH);
      a.add(x);
    }
    steps.records.clear();
    ledgers.records.clear();
    alerts.records.clear();
    return new Outputs(s, l, a);
  }

  @Test
  void aGateRestartedMidStreamClosesStepsExactlyAsOneThatNeverStopped() throws Exception {
    DpstreamConfig any = config("any", tmp);
    TopicProvisioner.ensureTopics(any);
    BudgetPolicy policy = BudgetPolicy.withStepCap(any.privacy().policy(), STEP_CAP);
    try (CommittedTopicReader steps = new CommittedTopicReader(broker.bootstrapServers(), Topics.STEP_CONTRIBUTIONS);
        CommittedTopicReader ledgers = new CommittedTopicReader(broker.bootstrapServers(), Topics.PRIVACY_LEDGER);
        CommittedTopicReader alerts = new CommittedTopicReader(broker.bootstrapServers(), Topics.BUDGET_ALERTS)) {
      // The restarted gate: a third of the input per instance; the second instance starts on an
      // empty state directory (stores restored from their changelogs), the third on the second's
      // (stores reopened from local RocksDB files).
      Path fresh = Files.createDirectories(tmp.resolve("restarted-1"));
      Path reused = Files.createDirectories(tmp.resolve("restarted-2"));
      // Restart points inside steps (200 and 420 are not multiples of 40).
      produce(0, 200);
      runUntil("restarted", fresh, policy, 200);
      produce(200, 420);
      runUntil("restarted", reused, policy, 420);
      produce(420, RECORDS);
      runUntil("restarted", reused, policy, RECORDS);
      Outputs restarted = read(steps, ledgers, alerts);

      // The reference: one instance over the same input.
      runUntil("uninterrupted", Files.createDirectories(tmp.resolve("uninterrupted")), policy, RECORDS);
      Outputs uninterrupted = read(steps, ledgers, alerts);

      // The run exercised what the index must get right across restarts.
      long markers = uninterrupted.steps().stream().filter(m -> m.getBody() instanceof StepMarker).count();
      assertTrue(markers >= 6, "steps closed: " + markers);
      StepMarker last = (StepMarker) uninterrupted.steps().get(uninterrupted.steps().size() - 1).getBody();
      assertTrue(last.getRecordsDroppedForBudget() > 0, "some records dropped for budget");
      assertTrue(last.getUsersExhausted() > 0 && last.getUsersNearCap() > 0, "exhaustions and warnings");
      assertTrue(
          uninterrupted.steps().stream().anyMatch(m -> m.getBody() instanceof UserContribution c && c.getRecords().size() == 2),
          "contributions of m = 2 records");
      assertTrue(
          uninterrupted.ledgers().stream().anyMatch(e -> !e.getExhausted()), "ledgers written before exhaustion");

      assertEquals(uninterrupted.steps(), restarted.steps(), "contributions and markers, in order");
      assertEquals(uninterrupted.ledgers(), restarted.ledgers(), "ledger entries, in order");
      assertEquals(uninterrupted.alerts(), restarted.alerts(), "alerts, in order");
    }
  }
}
