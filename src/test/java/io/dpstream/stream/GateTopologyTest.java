package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserContribution;
import io.dpstream.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GateTopologyTest {

  private static String header(Headers h, String name) {
    var last = h.lastHeader(name);
    return last == null ? null : new String(last.value(), StandardCharsets.UTF_8);
  }

  static Stream<Arguments> invalidRecords() {
    byte[] good = GateRecords.encode(GateRecords.record("alice", 4, 1).build());
    byte[] corrupted = good.clone();
    corrupted[3] ^= 0x55; // breaks the schema fingerprint
    return Stream.of(
        Arguments.of("garbage", "alice", new byte[] {1, 2, 3}, "undecodable"),
        Arguments.of("bad fingerprint", "alice", corrupted, "unknown-schema"),
        Arguments.of("empty userId", "", enc(GateRecords.record("", 4, 1)), "missing-user-id"),
        Arguments.of("blank userId", " ", enc(GateRecords.record(" ", 4, 1)), "missing-user-id"),
        Arguments.of("key is not the user", "bob", good, "key-mismatch"),
        Arguments.of(
            "NaN feature",
            "alice",
            enc(GateRecords.record("alice", 4, 1).setFeatures(List.of(1f, Float.NaN, 0f, 0f))),
            "non-finite-value"),
        Arguments.of(
            "infinite feature",
            "alice",
            enc(GateRecords.record("alice", 4, 1).setFeatures(List.of(1f, 0f, 0f, Float.POSITIVE_INFINITY))),
            "non-finite-value"),
        Arguments.of(
            "infinite target",
            "alice",
            enc(GateRecords.record("alice", 4, 1).setTarget(Double.NEGATIVE_INFINITY)),
            "non-finite-value"),
        Arguments.of(
            "NaN weight", "alice", enc(GateRecords.record("alice", 4, 1).setWeight(Float.NaN)), "non-finite-value"),
        Arguments.of(
            "negative weight", "alice", enc(GateRecords.record("alice", 4, 1).setWeight(-1f)), "negative-weight"),
        Arguments.of("too few features", "alice", enc(GateRecords.record("alice", 3, 1)), "wrong-feature-count"),
        Arguments.of("too many features", "alice", enc(GateRecords.record("alice", 5, 1)), "wrong-feature-count"),
        Arguments.of("label = classes", "alice", enc(GateRecords.record("alice", 4, 3)), "label-out-of-range"),
        Arguments.of("negative label", "alice", enc(GateRecords.record("alice", 4, -1)), "label-out-of-range"),
        Arguments.of("no label", "alice", enc(GateRecords.record("alice", 4, 0).setLabel(null)), "missing-label"),
        Arguments.of(
            "negative categorical id",
            "alice",
            enc(GateRecords.record("alice", 4, 1).setCategoricalIds(List.of(3, -2))),
            "negative-categorical-id"),
        Arguments.of("oversize", "alice", new byte[2000], "oversize"));
  }

  private static byte[] enc(TrainingRecord.Builder b) {
    return GateRecords.encode(b.build());
  }

  @ParameterizedTest(name = "{0} -> {3}")
  @MethodSource("invalidRecords")
  void invalidRecordsGoToTheDeadLetterTopicWithOriginalBytesAndReason(
      String name, String key, byte[] value, String reason) {
    try (GateFixture g = new GateFixture(Map.of("gate.maxRecordBytes", "1000"), 100)) {
      g.sendValid("carol"); // offset 0: admitted
      g.send(key, value); // offset 1: dead-lettered
      List<TestRecord<byte[], byte[]>> dead = g.dlq.readRecordsToList();
      assertEquals(1, dead.size());
      TestRecord<byte[], byte[]> d = dead.get(0);
      assertArrayEquals(value, d.value());
      assertArrayEquals(key.getBytes(StandardCharsets.UTF_8), d.key());
      assertEquals(reason, header(d.headers(), DeadLetterHeaders.REASON));
      assertEquals(Topics.TRAINING_RECORDS, header(d.headers(), DeadLetterHeaders.SOURCE_TOPIC));
      assertEquals("0", header(d.headers(), DeadLetterHeaders.SOURCE_PARTITION));
      assertEquals("1", header(d.headers(), DeadLetterHeaders.SOURCE_OFFSET));
      assertNotNull(header(d.headers(), DeadLetterHeaders.DETAIL));
      assertEquals(1, g.observer.deadLettered.get(reason).get());
      assertEquals(1, g.observer.admitted.get());
      assertEquals(2, g.observer.outcomes());
      assertNull(g.pools().get(key.isBlank() ? "nobody" : "bob"));
    }
  }

  @Test
  void nullKeyIsAKeyMismatch() {
    try (GateFixture g = new GateFixture(Map.of(), 100)) {
      g.input.pipeInput(null, GateRecords.encode(GateRecords.record("alice", 4, 1).build()));
      var d = g.dlq.readRecord();
      assertEquals("key-mismatch", header(d.headers(), DeadLetterHeaders.REASON));
    }
  }

  @Test
  void validRecordsEnterTheirUsersPoolAndNothingIsEmittedBeforeTheStepCloses() {
    try (GateFixture g = new GateFixture(Map.of(), 100)) {
      g.sendValid("alice");
      g.sendValid("alice");
      g.sendValid("bob");
      assertEquals(2, UserPool.count(g.pools().get("alice")));
      assertEquals(1, UserPool.count(g.pools().get("bob")));
      assertTrue(g.steps.isEmpty());
      assertTrue(g.ledger.isEmpty());
      assertTrue(g.dlq.isEmpty());
      assertEquals(3, g.observer.admitted.get());
    }
  }

  @Test
  void aStepChargesEveryEligibleUserButEmitsOnlyTheSampledOnesThenOneMarker() {
    int users = 300;
    Map<String, String> s = Map.of("privacy.samplingRate", "0.3", "gate.ledgerPublishSteps", "1");
    try (GateFixture g = new GateFixture(s, 100)) {
      for (int u = 0; u < users; u++) g.sendValid("user-" + u);
      g.closeStep();
      List<PrivacyLedgerEntry> entries = g.ledgerEntries();
      assertEquals(users, entries.size(), "every eligible user is charged, sampled or not");
      for (PrivacyLedgerEntry e : entries) {
        assertEquals(1, e.getLedger().getSteps());
        assertEquals(99, e.getStepsRemaining());
        assertEquals(GateFixture.START.toEpochMilli() / GateFixture.PERIOD_MS, e.getStep());
      }
      List<StepMessage> msgs = g.stepMessages();
      StepMessage last = msgs.get(msgs.size() - 1);
      StepMarker marker = assertInstanceOf(StepMarker.class, last.getBody());
      List<StepMessage> contributions = msgs.subList(0, msgs.size() - 1);
      Set<String> sampled = new HashSet<>();
      for (StepMessage m : contributions) {
        UserContribution c = assertInstanceOf(UserContribution.class, m.getBody());
        assertTrue(sampled.add(c.getUserId()), "a user contributes once per step");
        assertEquals(1, c.getRecords().size());
        assertEquals(c.getUserId(), c.getRecords().get(0).getUserId());
        assertEquals(last.getStep(), m.getStep());
      }
      // With q = 0.3 and 300 users, 0 or 300 sampled has probability < 1e-46.
      assertTrue(sampled.size() > 0 && sampled.size() < users, "sampled " + sampled.size());
      assertEquals(users, marker.getUsersCharged());
      assertEquals(users, marker.getUsersPooled());
      assertEquals(sampled.size(), marker.getUsersSampled());
      assertEquals(sampled.size(), marker.getRecordsEmitted());
      assertEquals(1, marker.getGatePartitions());
      assertEquals(users, marker.getRecordsAdmitted());
      assertEquals(users, (long) marker.getEpsilonBucketCounts().stream().mapToLong(Long::longValue).sum());
      assertEquals(1, g.observer.steps.size());
      assertEquals(sampled.size(), g.observer.steps.get(0).usersSampled());
    }
  }

  @Test
  void anIdlePartitionStillClosesItsSteps() {
    try (GateFixture g = new GateFixture(Map.of(), 100)) {
      g.closeStep();
      g.closeStep();
      List<StepMessage> msgs = g.stepMessages();
      assertEquals(2, msgs.size());
      long first = GateFixture.START.toEpochMilli() / GateFixture.PERIOD_MS;
      assertEquals(first, msgs.get(0).getStep());
      assertEquals(first + 1, msgs.get(1).getStep());
      for (StepMessage m : msgs) {
        StepMarker marker = assertInstanceOf(StepMarker.class, m.getBody());
        assertEquals(0, marker.getUsersCharged());
      }
    }
  }

  @Test
  void aSampledUserContributesTheirNewestMRecordsFromABoundedPool() {
    Map<String, String> s =
        Map.of("privacy.samplingRate", "1", "gate.maxRecordsPerUser", "5", "gate.recordsPerContribution", "3");
    try (GateFixture g = new GateFixture(s, 100)) {
      for (int i = 0; i < 8; i++)
        g.send("alice", enc(GateRecords.record("alice", 4, 1).setTarget((double) i)));
      assertEquals(5, UserPool.count(g.pools().get("alice")), "the pool holds at most 5");
      g.closeStep();
      StepMessage first = g.stepMessages().get(0);
      UserContribution c = assertInstanceOf(UserContribution.class, first.getBody());
      assertEquals(List.of(7.0, 6.0, 5.0), c.getRecords().stream().map(TrainingRecord::getTarget).toList());
    }
  }

  @Test
  void exhaustedUsersAreAlertedOnceAndTheirRecordsDroppedAndCounted() {
    try (GateFixture g = new GateFixture(Map.of("privacy.samplingRate", "1"), 2)) {
      g.sendValid("alice");
      g.closeStep(); // step 1 of 2
      assertTrue(g.alertList().stream().noneMatch(a -> a.getKind() == BudgetAlertKind.EXHAUSTED));
      g.closeStep(); // step 2 of 2: exhausted
      List<BudgetAlert> alerts = g.alertList();
      BudgetAlert exhausted =
          alerts.stream().filter(a -> a.getKind() == BudgetAlertKind.EXHAUSTED).findFirst().orElseThrow();
      assertEquals("alice", exhausted.getUserId());
      assertEquals(g.policy.epsilonAfter(2), exhausted.getEpsilon(), 1e-12);
      assertEquals(g.config.privacy().policy().epsilonCap(), exhausted.getEpsilonCap());
      assertNull(g.pools().get("alice"), "an exhausted user's pool is released");
      List<PrivacyLedgerEntry> entries = g.ledgerEntries();
      assertTrue(entries.get(entries.size() - 1).getExhausted());
      // Later records are dropped, counted, and trigger nothing more.
      g.sendValid("alice");
      g.sendValid("alice");
      g.closeStep();
      g.closeStep();
      assertEquals(2, g.observer.droppedForBudget.get());
      assertEquals(1, g.observer.admitted.get());
      assertTrue(g.alertList().isEmpty(), "the exhaustion alert is published once");
      assertTrue(g.ledgerEntries().isEmpty(), "no further charge");
      assertEquals(2, g.ledgerOf("alice").steps());
      List<StepMessage> msgs = g.stepMessages();
      StepMarker marker = assertInstanceOf(StepMarker.class, msgs.get(msgs.size() - 1).getBody());
      assertEquals(1, marker.getUsersExhausted());
      assertEquals(2, marker.getRecordsDroppedForBudget());
      assertEquals(0, marker.getUsersCharged());
    }
  }

  @Test
  void aWarningIsPublishedOnceWhenEpsilonReachesTheWarningFraction() {
    try (GateFixture g = new GateFixture(Map.of("privacy.warningFraction", "0.5"), 4)) {
      g.sendValid("alice");
      g.closeStep(); // ε = cap/4
      assertTrue(g.alertList().isEmpty());
      g.closeStep(); // ε = cap/2: warning
      List<BudgetAlert> alerts = g.alertList();
      assertEquals(1, alerts.size());
      assertEquals(BudgetAlertKind.WARNING, alerts.get(0).getKind());
      assertEquals(GateFixture.START.toEpochMilli() / GateFixture.PERIOD_MS + 1, alerts.get(0).getStep());
      g.closeStep(); // 3/4: no second warning
      assertTrue(g.alertList().isEmpty());
    }
  }

  @Test
  void retentionInStepsLimitsHowManyStepsARecordIsEligibleFor() {
    try (GateFixture g = new GateFixture(Map.of("gate.retentionSteps", "2"), 100)) {
      g.sendValid("alice");
      g.closeStep();
      g.closeStep();
      g.closeStep();
      g.closeStep();
      assertEquals(2, g.ledgerOf("alice").steps(), "charged only for the steps the record was pooled");
      assertNull(g.pools().get("alice"));
      List<PrivacyLedgerEntry> entries = g.ledgerEntries();
      assertEquals(1, entries.size(), "written once, when the user left the pool");
      assertEquals(2, entries.get(0).getLedger().getSteps());
    }
  }

  @Test
  void retentionInTimeLimitsHowLongARecordStaysPooled() {
    try (GateFixture g = new GateFixture(Map.of("gate.retention", "2500ms"), 100)) {
      g.sendValid("alice"); // admitted at t = 0 ms (relative)
      g.closeStep(); // 1000: kept
      g.closeStep(); // 2000: kept
      g.closeStep(); // 3000: expired
      assertEquals(2, g.ledgerOf("alice").steps());
      assertNull(g.pools().get("alice"));
    }
  }

  @Test
  void countTriggeredStepsCloseAfterTheConfiguredNumberOfAdmittedRecords() {
    Map<String, String> s =
        Map.of("gate.stepTrigger", "count", "gate.stepRecords", "3", "gate.ledgerPublishSteps", "1");
    try (GateFixture g = new GateFixture(s, 100)) {
      g.sendValid("a");
      g.sendValid("b");
      g.send("a", new byte[] {9}); // dead-lettered: does not count
      assertTrue(g.steps.isEmpty());
      g.sendValid("c");
      List<StepMessage> msgs = g.stepMessages();
      StepMessage last = msgs.get(msgs.size() - 1);
      assertEquals(0, last.getStep());
      assertEquals(3, assertInstanceOf(StepMarker.class, last.getBody()).getUsersCharged());
      g.closeStep(); // the wall clock does not close count-triggered steps
      assertTrue(g.steps.isEmpty());
      for (String u : List.of("a", "b", "c")) g.sendValid(u);
      assertEquals(1, g.stepMessages().stream().filter(m -> m.getBody() instanceof StepMarker).count());
      assertEquals(2, g.ledgerOf("a").steps());
    }
  }

  @Test
  void contributionsAndTheMarkerAreKeyedForTheTrainer() {
    try (GateFixture g = new GateFixture(Map.of("privacy.samplingRate", "1"), 100)) {
      g.sendValid("alice");
      g.closeStep();
      List<TestRecord<byte[], byte[]>> recs = g.stepRecords();
      assertEquals(2, recs.size());
      assertArrayEquals(GateRecords.key("alice"), recs.get(0).key());
      assertNull(recs.get(1).key());
    }
  }

  @Test
  void pooledUsersLedgersAreWrittenEveryPublishIntervalAndWhenTheyLeave() {
    // σ large enough that ε stays far below the warning level: only the interval and leaving
    // the pool write the ledger here.
    Map<String, String> s =
        Map.of("gate.ledgerPublishSteps", "3", "gate.retentionSteps", "7", "privacy.noiseMultiplier", "50");
    try (GateFixture g = new GateFixture(s, 100)) {
      g.sendValid("alice");
      for (int t = 1; t <= 8; t++) {
        g.closeStep();
        List<PrivacyLedgerEntry> entries = g.ledgerEntries();
        List<StepMessage> msgs = g.stepMessages();
        StepMarker marker = assertInstanceOf(StepMarker.class, msgs.get(msgs.size() - 1).getBody());
        if (t <= 7) {
          assertEquals(1, marker.getUsersCharged(), "charged at every step, written or not");
          assertEquals(g.policy.epsilonAfter(t), marker.getMaxEpsilon(), 1e-12);
        } else {
          assertEquals(0, marker.getUsersCharged(), "the record expired after 7 steps");
        }
        if (t == 3 || t == 6) {
          assertEquals(1, entries.size(), "step " + t);
          assertEquals(t, entries.get(0).getLedger().getSteps());
          assertEquals(t, g.ledgerOf("alice").steps());
        } else if (t == 8) {
          // Leaving the pool at step 8 writes the 7th charge.
          assertEquals(1, entries.size());
          assertEquals(7, entries.get(0).getLedger().getSteps());
        } else {
          assertTrue(entries.isEmpty(), "step " + t + ": " + entries);
        }
      }
      assertEquals(7, g.ledgerOf("alice").steps());
      // Back in the pool, the user continues from the stored ledger.
      g.sendValid("alice");
      g.closeStep();
      g.closeStep();
      g.closeStep();
      assertEquals(10, g.ledgerEntries().get(0).getLedger().getSteps());
    }
  }

  /**
   * The gate writes a ledger charged only under its policy from a precomputed table (bytes
   * compared, nothing decoded) and any other ledger step by step: both must give exactly what
   * charging the stored ledger with the policy gives, bytes included.
   */
  @Test
  void ledgersOfThisRegimeAndOfAnotherAreChargedExactlyAsThePolicyCharges() {
    Map<String, String> s =
        Map.of("gate.ledgerPublishSteps", "2", "privacy.samplingRate", "1", "privacy.noiseMultiplier", "50");
    try (GateFixture g = new GateFixture(s, 5)) {
      // bob was charged 3 steps under another (q, σ): a mixed ledger, decided by the Rényi filter.
      var other = g.config.privacy().policy();
      var older =
          io.dpstream.privacy.BudgetPolicy.withStepCap(
              new io.dpstream.privacy.BudgetPolicyConfig(
                  other.epsilonCap(), other.delta(), 0.5, 40, other.accountant()),
              100);
      io.dpstream.privacy.UserLedger bob = io.dpstream.privacy.UserLedger.EMPTY;
      for (int i = 0; i < 3; i++) bob = older.charge(bob);
      g.driver.<String, byte[]>getKeyValueStore(GateTopology.LEDGER_STORE)
          .put("bob", io.dpstream.privacy.UserLedgerCodec.encode(bob));
      io.dpstream.privacy.UserLedger alice = io.dpstream.privacy.UserLedger.EMPTY;
      g.sendValid("alice");
      g.sendValid("bob");
      for (int t = 1; t <= 5; t++) {
        g.closeStep();
        alice = g.policy.charge(alice);
        // A pooled user leaves at the policy's step cap, whatever their regime (5 here: at t = 2).
        if (bob.steps() < 5 && g.policy.mayTakeStep(bob)) bob = g.policy.charge(bob);
        if (t % 2 == 0 || t == 5) {
          Map<String, PrivacyLedgerEntry> byUser = new java.util.HashMap<>();
          for (PrivacyLedgerEntry e : g.ledgerEntries()) byUser.put(e.getUserId(), e);
          assertEquals(io.dpstream.privacy.UserLedgerCodec.toAvro(alice), byUser.get("alice").getLedger(), "step " + t);
          assertEquals(alice, g.ledgerOf("alice"), "step " + t);
          assertArrayEquals(
              io.dpstream.privacy.UserLedgerCodec.encode(alice),
              g.driver.<String, byte[]>getKeyValueStore(GateTopology.LEDGER_STORE).get("alice"));
          assertEquals(bob, g.ledgerOf("bob"), "step " + t);
          assertEquals(io.dpstream.privacy.BudgetPolicy.MIXED_REGIME, g.ledgerOf("bob").regime());
        }
      }
      assertEquals(5, g.ledgerOf("alice").steps());
      assertEquals(bob.steps(), g.ledgerOf("bob").steps());
      assertEquals(5, bob.steps());
      // alice's next record is dropped on the canonical bytes; bob's is decoded and, his ledger
      // being mixed, the Rényi filter (not the step cap) admits it again.
      long admitted = g.observer.admitted.get();
      g.sendValid("alice");
      g.sendValid("bob");
      assertEquals(1, g.observer.droppedForBudget.get());
      assertEquals(admitted + 1, g.observer.admitted.get());
      assertTrue(g.policy.mayTakeStep(bob));
    }
  }
}
