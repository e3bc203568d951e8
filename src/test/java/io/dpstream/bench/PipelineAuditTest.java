package io.dpstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.UserLedgerState;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.RdpAccountant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The reconstruction of figure (a), on a hand-made history where the eligible steps are known. */
class PipelineAuditTest {
  static final double Q = 0.2, SIGMA = 2.0, DELTA = 1e-5;
  static final PipelineAudit.Setup SETUP =
      new PipelineAudit.Setup("unused", "m", 16, 3, 3.5, DELTA, Q, SIGMA, AccountantKind.RDP);

  /**
   * Partition 0 closes steps 10 to 30. Two records of user "a" (offsets 0 and 1) were processed
   * between the closes of 10 and 11; the second was sampled at step 15. So "a" was certainly pooled
   * at 11, 12, 13, 14, 15: five charges (retention 3 alone would give 11 to 13).
   */
  static Map<Integer, List<PipelineAudit.Marker>> markers() {
    List<PipelineAudit.Marker> m = new ArrayList<>();
    m.add(new PipelineAudit.Marker(10, 0, null));
    for (long s = 11; s <= 30; s++) m.add(new PipelineAudit.Marker(s, 2, null));
    return Map.of(0, m);
  }

  static List<PipelineAudit.Input> inputs() {
    return List.of(
        new PipelineAudit.Input(0, 0, "a", 100, false), new PipelineAudit.Input(0, 1, "a", 101, false));
  }

  static Map<String, TreeMap<Long, List<Long>>> contributions() {
    TreeMap<Long, List<Long>> a = new TreeMap<>();
    a.put(15L, List.of(101L));
    return Map.of("a", a);
  }

  static PrivacyLedgerEntry ledger(long steps, double epsilon) {
    return new PrivacyLedgerEntry(
        "a", new UserLedgerState(steps, epsilon, "", List.of()), 3.5, DELTA, 0L, false, 30L, Instant.EPOCH);
  }

  static double epsilon(long steps) {
    return new RdpAccountant().epsilon(Q, SIGMA, steps, DELTA / 2);
  }

  @Test
  void aLedgerWithEveryEligibleStepPasses() {
    PipelineAudit.EpsilonFigure f =
        PipelineAudit.epsilon(SETUP, inputs(), markers(), contributions(), Map.of("a", ledger(5, epsilon(5))));
    assertEquals(0, f.underCountedUsers());
    assertEquals(5, f.impliedSteps());
    assertEquals(0.0, f.smallestMargin(), 1e-12);
  }

  @Test
  void oneChargeMissingIsCaught() {
    PipelineAudit.EpsilonFigure f =
        PipelineAudit.epsilon(SETUP, inputs(), markers(), contributions(), Map.of("a", ledger(4, epsilon(4))));
    assertEquals(1, f.underCountedUsers());
  }

  @Test
  void enoughStepsButTooSmallAnEpsilonIsCaught() {
    PipelineAudit.EpsilonFigure f =
        PipelineAudit.epsilon(SETUP, inputs(), markers(), contributions(), Map.of("a", ledger(5, epsilon(5) * 0.99)));
    assertEquals(1, f.underCountedUsers());
  }

  @Test
  void aMissingLedgerIsCaught() {
    PipelineAudit.EpsilonFigure f =
        PipelineAudit.epsilon(SETUP, inputs(), markers(), contributions(), Map.of());
    assertEquals(1, f.underCountedUsers());
  }

  @Test
  void withoutSamplesTheRetentionWindowAfterThePreviousCloseCounts() {
    PipelineAudit.EpsilonFigure f =
        PipelineAudit.epsilon(SETUP, inputs(), markers(), Map.of(), Map.of("a", ledger(2, epsilon(2))));
    assertEquals(3, f.impliedSteps()); // closes 11, 12, 13
    assertEquals(1, f.underCountedUsers());
  }
}
