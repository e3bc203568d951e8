package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.UserContribution;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.BudgetPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate on a real in-process broker, exactly once, stopped and restarted mid-stream on a fresh
 * state directory (so its state comes back from the changelogs): ledgers never decrease, nobody
 * exceeds ε_cap, every charge is committed with the contributions it allows, and every input
 * record has exactly one counted outcome.
 */
class GateIntegrationTest {
  private static final int USERS = 150;
  private static final int PER_PHASE = 900;
  private static final long STEP_CAP = 6;
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

  private DpstreamConfig config(Path stateDir) {
    return config(stateDir, Map.of());
  }

  private DpstreamConfig config(Path stateDir, Map<String, String> extra) {
    Map<String, String> s = new HashMap<>(extra);
    s.put("kafka.bootstrapServers", broker.bootstrapServers());
    s.put("topics.partitions", "2");
    s.put("topics.ledgerPartitions", "2");
    s.put("gate.stepPeriod", "250ms");
    s.put("gate.commitInterval", "50ms");
    s.put("gate.featureCount", "4");
    s.put("gate.labelClasses", "3");
    s.put("gate.stateDir", stateDir.toString());
    s.put("privacy.samplingRate", "0.5");
    // At sigma = 1.5 the accountant allows 17 steps at this cap; the test caps users at
    // STEP_CAP = 6 (epsilon 4.7), past the warning level of half the cap.
    s.put("privacy.noiseMultiplier", "1.5");
    s.put("privacy.warningFraction", "0.5");
    s.put("gate.ledgerPublishSteps", "4"); // ledgers written lazily: at 4 steps, then on exhaustion
    return DpstreamConfig.of(s);
  }

  /** Phase {@code phase}'s records: every 10th is invalid (two reasons), the rest valid. */
  private int produce(int phase) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    int invalid = 0;
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < PER_PHASE; i++) {
        String user = "user-" + ((i * 7 + phase) % USERS);
        byte[] value;
        if (i % 20 == 0) {
          value = new byte[] {0, 1, 2};
          invalid++;
        } else if (i % 20 == 10) {
          value = GateRecords.encode(GateRecords.record(user, 5, 1).build());
          invalid++;
        } else {
          value = GateRecords.encode(GateRecords.record(user, 4, i % 3).build());
        }
        producer.send(new ProducerRecord<>(Topics.TRAINING_RECORDS, GateRecords.key(user), value));
      }
      producer.flush();
    }
    return invalid;
  }

  /** Sum over partitions of the outcome counts in each partition's latest marker. */
  private static long countedOutcomes(List<ConsumerRecord<byte[], byte[]>> steps) {
    return LatestMarkers.outcomes(LatestMarkers.of(steps));
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(50);
    }
  }

  @Test
  void aGateStoppedAndRestartedMidStreamKeepsEveryGuarantee() throws Exception {
    DpstreamConfig configA = config(Files.createDirectories(tmp.resolve("a")));
    TopicProvisioner.ensureTopics(configA);
    BudgetPolicy policy = BudgetPolicy.withStepCap(configA.privacy().policy(), STEP_CAP);
    CountingGateObserver observerA = new CountingGateObserver();
    CountingGateObserver observerB = new CountingGateObserver();
    int invalid = 0;

    try (CommittedTopicReader steps = new CommittedTopicReader(broker.bootstrapServers(), Topics.STEP_CONTRIBUTIONS)) {
      // Phase 1: instance A.
      GateRunner a =
          GateRunner.start(configA, GateTopology.buildTopology(configA, policy, observerA, SecureRandom::new));
      assertTrue(a.awaitRunning(Duration.ofSeconds(60)), "instance A running");
      invalid += produce(1);
      await("phase 1 counted", Duration.ofSeconds(60), () -> countedOutcomes(steps.poll(Duration.ofMillis(100))) == PER_PHASE);
      a.close();

      // Phase 2: instance B on a fresh state directory restores from the changelogs.
      DpstreamConfig configB = config(Files.createDirectories(tmp.resolve("b")));
      GateRunner b =
          GateRunner.start(configB, GateTopology.buildTopology(configB, policy, observerB, SecureRandom::new));
      invalid += produce(2);
      assertTrue(b.awaitRunning(Duration.ofSeconds(60)), "instance B running");
      await("phase 2 counted", Duration.ofSeconds(60), () -> countedOutcomes(steps.poll(Duration.ofMillis(100))) == 2L * PER_PHASE);
      // Every user has records and none expire, so every user is charged until exhausted.
      try (CommittedTopicReader alertReader = new CommittedTopicReader(broker.bootstrapServers(), Topics.BUDGET_ALERTS)) {
        await("every user exhausted", Duration.ofSeconds(60), () -> alertReader.poll(Duration.ofMillis(100)).stream()
            .filter(r -> GateMessages.budgetAlert(r.value()).getKind() == BudgetAlertKind.EXHAUSTED).count() == USERS);
        // Phase 3, after every user is exhausted: the valid records are dropped for budget.
        invalid += produce(3);
        await("phase 3 counted", Duration.ofSeconds(60), () -> countedOutcomes(steps.poll(Duration.ofMillis(100))) == 3L * PER_PHASE);
        b.close();
        steps.drain(Duration.ofMillis(500));
        alertReader.drain(Duration.ofMillis(300));
        List<BudgetAlert> alerts = alertReader.records.stream().map(x -> GateMessages.budgetAlert(x.value())).toList();
        for (BudgetAlertKind kind : BudgetAlertKind.values()) {
          List<String> users = alerts.stream().filter(x -> x.getKind() == kind).map(BudgetAlert::getUserId).toList();
          assertEquals(USERS, users.size(), kind + " alerts");
          assertEquals(USERS, new HashSet<>(users).size(), "one " + kind + " alert per user");
        }
      }

      // Every record has exactly one counted outcome, durably (markers) and live (observers).
      assertEquals(3L * PER_PHASE, countedOutcomes(steps.records));
      assertEquals(3L * PER_PHASE, observerA.outcomes() + observerB.outcomes());
      assertEquals(invalid, observerA.deadLetteredTotal() + observerB.deadLetteredTotal());
      assertTrue(
          observerB.droppedForBudget.get() >= PER_PHASE - PER_PHASE / 10,
          "phase 3's valid records are all dropped for budget: " + observerB.droppedForBudget.get());

      // Ledgers never decrease and never pass the cap; each user ends exhausted at exactly the cap.
      Map<String, List<PrivacyLedgerEntry>> ledger = new HashMap<>();
      try (CommittedTopicReader l = new CommittedTopicReader(broker.bootstrapServers(), Topics.PRIVACY_LEDGER)) {
        for (var r : l.drain(Duration.ofMillis(500))) {
          PrivacyLedgerEntry e = GateMessages.ledgerEntry(r.value());
          ledger.computeIfAbsent(e.getUserId(), u -> new java.util.ArrayList<>()).add(e);
        }
      }
      double cap = policy.config().epsilonCap();
      Map<String, Long> exhaustedAt = new HashMap<>();
      for (var e : ledger.entrySet()) {
        List<PrivacyLedgerEntry> entries = e.getValue();
        for (int i = 0; i < entries.size(); i++) {
          PrivacyLedgerEntry x = entries.get(i);
          assertTrue(x.getLedger().getEpsilon() <= cap + 1e-12, e.getKey() + " within the cap");
          if (i > 0) {
            assertTrue(x.getLedger().getSteps() > entries.get(i - 1).getLedger().getSteps(), e.getKey() + " never decreases");
            assertTrue(x.getStep() > entries.get(i - 1).getStep());
          }
        }
        PrivacyLedgerEntry last = entries.get(entries.size() - 1);
        assertEquals(STEP_CAP, last.getLedger().getSteps(), e.getKey());
        assertTrue(last.getExhausted());
        exhaustedAt.put(e.getKey(), last.getStep());
      }
      assertEquals(USERS, ledger.size());

      // Charges are exact across the restart: the markers' charges add up to the ledgers' steps.
      long chargedInMarkers = 0;
      Map<String, Integer> contributions = new HashMap<>();
      Map<Long, Set<Integer>> markersPerStep = new TreeMap<>();
      for (var r : steps.records) {
        StepMessage m = GateMessages.stepMessage(r.value());
        assertEquals(m.getGatePartition() % 2, r.partition());
        if (m.getBody() instanceof UserContribution c) {
          assertTrue(m.getStep() <= exhaustedAt.get(c.getUserId()), "no contribution after exhaustion");
          contributions.merge(c.getUserId(), 1, Integer::sum);
        } else {
          chargedInMarkers += ((StepMarker) m.getBody()).getUsersCharged();
          markersPerStep.computeIfAbsent(m.getStep(), x -> new HashSet<>()).add(m.getGatePartition());
        }
      }
      assertEquals(USERS * STEP_CAP, chargedInMarkers);
      assertTrue(contributions.values().stream().allMatch(n -> n <= STEP_CAP));
      assertTrue(contributions.size() > USERS / 2, "with q = 0.5 most users were sampled at least once");
      long complete = markersPerStep.values().stream().filter(x -> x.size() == 2).count();
      assertTrue(complete >= STEP_CAP, "steps closed by both partitions: " + complete);

      // Dead letters carry their reason.
      try (CommittedTopicReader d = new CommittedTopicReader(broker.bootstrapServers(), Topics.TRAINING_RECORDS_DLQ)) {
        d.drain(Duration.ofMillis(500));
        assertEquals(invalid, d.records.size());
        for (var r : d.records) {
          String reason = new String(r.headers().lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8);
          assertTrue(Set.of("undecodable", "wrong-feature-count").contains(reason), reason);
        }
      }
    }
  }

  @Test
  void aGateThreadThatCrashesMidStreamResumesFromItsLastCommitWithExactCounts() throws Exception {
    // The crashed thread's consumer does not leave the group: a short session timeout lets its
    // partitions move to the replacement thread in seconds rather than 45.
    DpstreamConfig config =
        config(
            Files.createDirectories(tmp.resolve("c")),
            Map.of("kafka.properties.session.timeout.ms", "6000", "kafka.properties.heartbeat.interval.ms", "1000"));
    TopicProvisioner.ensureTopics(config);
    BudgetPolicy policy = BudgetPolicy.withStepCap(config.privacy().policy(), STEP_CAP);
    java.util.concurrent.atomic.AtomicBoolean crashed = new java.util.concurrent.atomic.AtomicBoolean();
    CountingGateObserver live = new CountingGateObserver();
    CountingGateObserver crashing =
        new CountingGateObserver() {
          @Override
          public void admitted() {
            super.admitted();
            live.admitted();
            // The 400th admission throws once, after its store writes: the transaction aborts.
            if (admitted.get() == 400 && crashed.compareAndSet(false, true))
              throw new IllegalStateException("injected crash");
          }

          @Override
          public void droppedForBudget() {
            live.droppedForBudget();
          }

          @Override
          public void deadLettered(String reason) {
            live.deadLettered(reason);
          }
        };
    try (CommittedTopicReader steps = new CommittedTopicReader(broker.bootstrapServers(), Topics.STEP_CONTRIBUTIONS);
        CommittedTopicReader alerts = new CommittedTopicReader(broker.bootstrapServers(), Topics.BUDGET_ALERTS)) {
      GateRunner gate =
          GateRunner.start(
              config,
              GateTopology.buildTopology(config, policy, crashing, SecureRandom::new),
              e -> org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
      // Two phases' records, so that every user has valid ones (in phase 1 alone, 15 users have none).
      produce(1);
      produce(2);
      await("all counted", Duration.ofSeconds(90), () -> countedOutcomes(steps.poll(Duration.ofMillis(100))) == 2L * PER_PHASE);
      try {
        await("every user exhausted", Duration.ofSeconds(60), () -> alerts.poll(Duration.ofMillis(100)).stream()
            .filter(r -> GateMessages.budgetAlert(r.value()).getKind() == BudgetAlertKind.EXHAUSTED).count() >= USERS);
      } catch (AssertionError e) {
        var ex = alerts.records.stream().map(r -> GateMessages.budgetAlert(r.value())).filter(a -> a.getKind() == BudgetAlertKind.EXHAUSTED).map(BudgetAlert::getUserId).toList();
        throw new AssertionError("exhausted alerts " + ex.size() + " distinct " + new HashSet<>(ex).size() + " state " + gate.state() + " markers " + steps.records.size(), e);
      }
      gate.close();
      steps.drain(Duration.ofMillis(500));
      alerts.drain(Duration.ofMillis(300));
      assertTrue(crashed.get(), "the crash happened");
      // Durable counts are exact; live counters saw the replayed records a second time.
      assertEquals(2L * PER_PHASE, countedOutcomes(steps.records));
      assertTrue(live.outcomes() > 2L * PER_PHASE, "live counters replayed: " + live.outcomes());
      long charged = 0;
      for (var r : steps.records) {
        StepMessage m = GateMessages.stepMessage(r.value());
        if (m.getBody() instanceof StepMarker marker) charged += marker.getUsersCharged();
      }
      assertEquals(USERS * STEP_CAP, charged, "no charge lost or repeated by the crash");
      List<BudgetAlert> list = alerts.records.stream().map(x -> GateMessages.budgetAlert(x.value())).toList();
      assertEquals(2L * USERS, list.size(), "one warning and one exhaustion per user, none repeated");
      try (CommittedTopicReader l = new CommittedTopicReader(broker.bootstrapServers(), Topics.PRIVACY_LEDGER)) {
        Map<String, Long> last = new HashMap<>();
        for (var r : l.drain(Duration.ofMillis(500))) {
          PrivacyLedgerEntry e = GateMessages.ledgerEntry(r.value());
          long before = last.getOrDefault(e.getUserId(), 0L);
          assertTrue(e.getLedger().getSteps() > before, "ledgers never decrease");
          last.put(e.getUserId(), e.getLedger().getSteps());
        }
        assertEquals(USERS, last.size());
        assertTrue(last.values().stream().allMatch(v -> v == STEP_CAP));
      }
    }
  }
}
