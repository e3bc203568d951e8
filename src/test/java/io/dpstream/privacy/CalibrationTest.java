package io.dpstream.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CalibrationTest {

  /**
   * Opacus opacus/tests/accountants_test.py, test_get_noise_multiplier: ε = 8, δ = 1e-5,
   * q = 0.04, 90 epochs (2250 steps) under RDP gives σ ≈ 1.425307617 (Opacus stops within 0.01
   * of the target ε, from below, with the older, looser conversion). Opacus's σ must be feasible
   * for us too, and ours, the smallest σ to 0.1%, at most it and within 1% of it.
   */
  @Test
  void rdpNoiseMatchesOpacus() {
    CalibratedNoise n = Calibration.noiseMultiplier(AccountantKind.RDP, 8, 1e-5, 0.04, 2250);
    assertTrue(n.epsilon() <= 8);
    assertTrue(new RdpAccountant().epsilon(0.04, 1.425307617, 2250, 1e-5) <= 8);
    assertTrue(n.noiseMultiplier() <= 1.425307617);
    assertEquals(1.425307617, n.noiseMultiplier(), 0.01 * 1.425307617);
    assertEquals(n.epsilon(), new RdpAccountant().epsilon(0.04, n.noiseMultiplier(), 2250, 1e-5));
  }

  /** Round trip without overshoot (Opacus issue #346): ε at the returned σ never exceeds the target. */
  @ParameterizedTest
  @CsvSource({
    "RDP, 1.0, 1e-5, 0.01, 1000", "RDP, 3.0, 1e-6, 0.1, 500", "RDP, 0.5, 1e-5, 0.001, 10000",
    "PLD, 8.0, 1e-5, 0.04, 2250", "PLD, 1.0, 1e-5, 0.001, 5000"})
  void noiseNeverOvershoots(AccountantKind kind, double eps, double delta, double q, long steps) {
    CalibratedNoise n = Calibration.noiseMultiplier(kind, eps, delta, q, steps);
    double check = PrivacyAccountant.of(kind).epsilon(q, n.noiseMultiplier(), steps, delta);
    assertTrue(check <= eps, kind + " sigma " + n.noiseMultiplier() + " gives " + check);
    assertEquals(check, n.epsilon(), 1e-9 * eps);
    // and it is tight: 0.5% less noise overshoots
    double less = PrivacyAccountant.of(kind).epsilon(q, n.noiseMultiplier() * 0.995, steps, delta);
    assertTrue(less > eps, "not the smallest sigma: " + less);
  }

  /** The largest step count: ε(T) ≤ target < ε(T + 1), with the accountant asked independently. */
  @ParameterizedTest
  @CsvSource({
    "RDP, 8.0, 1e-5, 0.04, 1.5", "RDP, 1.0, 1e-5, 0.01, 1.0", "RDP, 2.0, 1e-6, 1.0, 5.0",
    "PLD, 8.0, 1e-5, 0.04, 1.5", "PLD, 1.0, 1e-5, 0.001, 1.0"})
  void maxStepsIsExact(AccountantKind kind, double eps, double delta, double q, double sigma) {
    CalibratedSteps s = Calibration.maxSteps(kind, eps, delta, q, sigma);
    assertTrue(s.maxSteps() > 0);
    assertTrue(s.epsilon() <= eps);
    PrivacyAccountant acc = PrivacyAccountant.of(kind);
    assertTrue(acc.epsilon(q, sigma, s.maxSteps(), delta) <= eps);
    assertTrue(acc.epsilon(q, sigma, s.maxSteps() + 1, delta) > eps);
  }

  /** The Opacus setting: 2250 steps give RDP ε 7.33 (Opacus test), so the RDP cap at ε = 7.3291 is just under 2250. */
  @Test
  void rdpCapAgreesWithOpacusFigure() {
    assertEquals(2249, Calibration.maxSteps(AccountantKind.RDP, 7.3291, 1e-5, 0.04, 1.5).maxSteps());
    assertEquals(2250, Calibration.maxSteps(AccountantKind.RDP, 7.3292, 1e-5, 0.04, 1.5).maxSteps());
  }

  @Test
  void unreachableTargetsAreRefusedClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Calibration.noiseMultiplier(AccountantKind.RDP, 1e-4, 1e-5, 1.0, 1_000_000));
    assertTrue(e.getMessage().contains("out of reach"), e.getMessage());
    assertEquals(0, Calibration.maxSteps(AccountantKind.RDP, 0.01, 1e-5, 1.0, 0.5).maxSteps());
    assertThrows(IllegalArgumentException.class,
        () -> Calibration.maxSteps(AccountantKind.PLD, -1, 1e-5, 0.1, 1));
  }
}
