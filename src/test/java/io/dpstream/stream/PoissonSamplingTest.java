package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.UserContribution;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The number of users sampled at a step must follow Binomial(eligible, q), and each user's coins
 * must be independent across steps. Significance 1e-4: a correct sampler fails about once in
 * 10,000 runs; a biased or correlated one fails nearly always at these sample sizes.
 */
class PoissonSamplingTest {
  private static final double ALPHA = 1e-4;

  @ParameterizedTest(name = "n={0}, q={1}")
  @CsvSource({"1000, 0.05", "200, 0.5", "5000, 0.001"})
  void samplerCountsFollowTheBinomialDistribution(int n, double q) {
    PoissonSampler sampler = new PoissonSampler(q, new SecureRandom());
    int trials = 4000;
    int[] counts = new int[trials];
    for (int t = 0; t < trials; t++) {
      int c = 0;
      for (int i = 0; i < n; i++) if (sampler.sample()) c++;
      counts[t] = c;
    }
    double p = BinomialFit.pValue(n, q, counts);
    assertTrue(p > ALPHA, "chi-square p-value " + p);
  }

  @Test
  void aBiasedSamplerIsDetected() {
    // The test has power: a rate 5% off is rejected.
    PoissonSampler sampler = new PoissonSampler(0.0525, new SecureRandom());
    int[] counts = new int[4000];
    for (int t = 0; t < counts.length; t++) for (int i = 0; i < 1000; i++) if (sampler.sample()) counts[t]++;
    assertTrue(BinomialFit.pValue(1000, 0.05, counts) < ALPHA);
  }

  @Test
  void rateIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> new PoissonSampler(0, new SecureRandom()));
    assertThrows(IllegalArgumentException.class, () -> new PoissonSampler(1.5, new SecureRandom()));
  }

  @Test
  void theGateSamplesBinomialEligibleQUsersPerStepIndependentlyAcrossSteps() {
    int users = 250;
    int steps = 100;
    double q = 0.2;
    // Ledgers written at every step, so the stored ledger is exact (not up to 9 steps behind).
    Map<String, String> s =
        Map.of("privacy.samplingRate", String.valueOf(q), "gate.ledgerPublishSteps", "1");
    try (GateFixture g = new GateFixture(s, 10_000)) {
      for (int u = 0; u < users; u++) g.sendValid("user-" + u);
      int[] sampledPerStep = new int[steps];
      Map<String, Integer> perUser = new HashMap<>();
      for (int t = 0; t < steps; t++) {
        g.closeStep();
        List<StepMessage> msgs = g.stepMessages();
        StepMarker marker = assertInstanceOf(StepMarker.class, msgs.get(msgs.size() - 1).getBody());
        assertEquals(users, marker.getUsersCharged(), "every eligible user is charged every step");
        sampledPerStep[t] = (int) marker.getUsersSampled();
        assertEquals(marker.getUsersSampled(), msgs.size() - 1);
        for (StepMessage m : msgs.subList(0, msgs.size() - 1))
          perUser.merge(((UserContribution) m.getBody()).getUserId(), 1, Integer::sum);
      }
      double pSteps = BinomialFit.pValue(users, q, sampledPerStep);
      assertTrue(pSteps > ALPHA, "users sampled per step vs Binomial(250, 0.2): p = " + pSteps);
      int[] timesSampled = new int[users];
      for (int u = 0; u < users; u++) timesSampled[u] = perUser.getOrDefault("user-" + u, 0);
      double pUsers = BinomialFit.pValue(steps, q, timesSampled);
      assertTrue(pUsers > ALPHA, "steps each user was sampled vs Binomial(100, 0.2): p = " + pUsers);
      assertEquals(steps, g.ledgerOf("user-0").steps());
    }
  }
}
