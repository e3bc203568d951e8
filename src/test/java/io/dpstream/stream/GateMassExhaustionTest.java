package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.metrics.StepClosed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * Closes that exhaust every pooled user at once (the closes that made the gate lag in the
 * sustained-load run): every user gets exactly one exhausted ledger entry and one alert, leaves
 * the pool, and their later records are dropped and counted. Also prints each close's time inside
 * the processor and the test thread's CPU for it (TopologyTestDriver: no broker, so this is the
 * processor's and its stores' share of the cost); a figure to compare builds, not asserted on.
 */
class GateMassExhaustionTest {
  private static final int USERS = 2000;
  private static final int ROUNDS = 4;

  @Test
  void aCloseExhaustingThousandsOfUsersWritesOneLedgerEntryAndOneAlertEachAndReleasesThemAll() {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    try (GateFixture g = new GateFixture(Map.of("privacy.samplingRate", "0.01"), 1)) {
      for (int round = 0; round < ROUNDS; round++) {
        List<TestRecord<byte[], byte[]>> batch = new ArrayList<>(USERS);
        for (int i = 0; i < USERS; i++) {
          String user = "user-" + round + "-" + i;
          batch.add(new TestRecord<>(GateRecords.key(user), GateRecords.encode(GateRecords.record(user, 4, 1).build())));
        }
        g.input.pipeRecordList(batch);
        long cpu0 = threads.getCurrentThreadCpuTime();
        g.closeStep(); // a step cap of 1: the close exhausts every pooled user
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        StepClosed closed = g.observer.steps.get(g.observer.steps.size() - 1);
        System.out.printf(
            "mass exhaustion: close %d exhausting %d users: %.3f s in the processor, %.3f s of thread CPU with the commit (%.1f us per user)%n",
            round, USERS, closed.closeSeconds(), cpu / 1e9, cpu / 1e3 / USERS);

        List<PrivacyLedgerEntry> entries = g.ledgerEntries();
        List<BudgetAlert> alerts = g.alertList();
        assertEquals(USERS, entries.size());
        assertTrue(entries.stream().allMatch(e -> e.getExhausted() && e.getLedger().getSteps() == 1));
        assertEquals(USERS, entries.stream().map(PrivacyLedgerEntry::getUserId).distinct().count());
        assertEquals(USERS, alerts.size());
        assertTrue(alerts.stream().allMatch(a -> a.getKind() == BudgetAlertKind.EXHAUSTED));
        assertEquals(0, g.pools().approximateNumEntries(), "every pool released");
        List<StepMessage> msgs = g.stepMessages();
        StepMarker marker = assertInstanceOf(StepMarker.class, msgs.get(msgs.size() - 1).getBody());
        assertEquals((long) USERS * (round + 1), marker.getUsersExhausted());
        assertEquals(USERS, marker.getUsersCharged());
      }
      // Their later records are dropped (on the canonical exhausted ledger's bytes) and counted.
      for (int i = 0; i < 100; i++) g.sendValid("user-0-" + i);
      assertEquals(100, g.observer.droppedForBudget.get());
      assertEquals((long) USERS * ROUNDS, g.observer.admitted.get());
      assertEquals(1, g.ledgerOf("user-0-0").steps());
    }
  }
}
