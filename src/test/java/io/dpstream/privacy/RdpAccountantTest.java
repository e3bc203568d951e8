package io.dpstream.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RdpAccountantTest {

  private final RdpAccountant rdp = new RdpAccountant();

  /** Opacus opacus/tests/accountants_test.py, test_rdp_accountant: ε = 7.32911117143. */
  @Test
  void matchesOpacusRdpAccountantTest() {
    RdpEpsilon e = rdp.epsilonAndOrder(List.of(new GaussianSteps(0.04, 1.5, 2250)), 1e-5);
    assertEquals(7.32911117143, e.epsilon(), 1e-6);
    assertTrue(e.order() > 1);
  }

  /**
   * dp_accounting rdp/rdp_privacy_accountant_test.py, test_compute_rdp_poisson_sampled_gaussian:
   * q = 0.01, σ = 2.5, 50 steps, at orders 1.5, 2.5, 5, 50, 100 (rtol 1e-4 there). At order 1.5
   * dp_accounting's figure is 3% above the definition's numerical integral (6.5007e-4, which we
   * match, see below): there we only require not to exceed it.
   */
  @Test
  void matchesDpAccountingRdpValues() {
    RdpAccountant acc = new RdpAccountant(List.of(1.5, 2.5, 5.0, 50.0, 100.0));
    double[] got = acc.rdp(List.of(new GaussianSteps(0.01, 2.5, 50)));
    double[] want = {6.70579741e-04, 1.08548710e-03, 2.18075656e-03, 2.38460375e-02, 1.67416308e02};
    for (int k = 1; k < want.length; k++)
      assertEquals(want[k], got[k], 1e-4 * want[k], "order index " + k);
    assertTrue(got[0] <= want[0]);
    assertEquals(50 * Math.log(integrateA(0.01, 2.5, 1.5)) / 0.5, got[0], 1e-6 * got[0]);
  }

  /** dp_accounting test_compute_epsilon_delta_pure_dp: constant RDP 1.1 at 2..32 → ε 1.32783806176 at 32. */
  @Test
  void conversionMatchesDpAccountingPureDp() {
    double[] orders = new double[31];
    double[] rdps = new double[31];
    for (int k = 0; k < 31; k++) {
      orders[k] = k + 2;
      rdps[k] = 1.1;
    }
    RdpEpsilon e = RdpAccountant.convert(orders, rdps, 1e-5);
    assertEquals(1.32783806176, e.epsilon(), 1e-9);
    assertEquals(32, e.order());
  }

  /**
   * dp_accounting test_compute_epsilon_delta_gaussian: q = 1, σ = 4.530877117 is exactly (1, 1e-6)
   * (analytic Gaussian), and the RDP conversion over orders 1.001..99.999 gives ε ≈ 1.
   */
  @Test
  void gaussianAtDenseOrdersIsNearlyExact() {
    List<Double> orders = new java.util.ArrayList<>();
    for (int i = 1001; i < 100000; i += 1) orders.add(0.001 * i);
    RdpAccountant acc = new RdpAccountant(orders);
    assertEquals(1.0, acc.epsilon(1, 4.530877117, 1, 1e-6), 1e-6);
  }

  /** Closed form: with q = 1 the step is the Gaussian mechanism, RDP α/(2σ²) (Mironov 2017, Prop. 7). */
  @ParameterizedTest
  @CsvSource({"2, 1.0", "3, 0.3", "17, 5.0", "63, 0.3", "63, 100", "12, 2.5"})
  void fullSamplingIsTheGaussianMechanism(double alpha, double sigma) {
    double want = alpha / (2 * sigma * sigma);
    assertEquals(want, RdpAccountant.rdp(1.0, sigma, alpha), 1e-12 * want);
  }

  /**
   * Fractional orders against an independent numerical integral of A_α = E_{μ₀}[(μ/μ₀)^α] (the
   * definition dp_accounting's test_compute_log_a_equals_mp integrates with mpmath).
   */
  @ParameterizedTest
  @CsvSource({"0.01, 1.0, 2.5", "0.1, 2.0, 7.3", "0.04, 1.5, 1.1", "0.5, 0.8, 3.7", "1e-4, 1.0, 1.5"})
  void fractionalOrdersMatchNumericalIntegral(double q, double sigma, double alpha) {
    double want = Math.log(integrateA(q, sigma, alpha)) / (alpha - 1);
    assertEquals(want, RdpAccountant.rdp(q, sigma, alpha), 1e-6 * want + 1e-13);
  }

  /** Integer orders: the positive-term sum against the same integral. */
  @ParameterizedTest
  @CsvSource({"0.01, 1.0, 2", "0.1, 2.0, 7", "0.04, 1.5, 32", "0.5, 0.8, 4"})
  void integerOrdersMatchNumericalIntegral(double q, double sigma, double alpha) {
    double want = Math.log(integrateA(q, sigma, alpha)) / (alpha - 1);
    assertEquals(want, RdpAccountant.rdp(q, sigma, alpha), 1e-6 * want + 1e-13);
  }

  /** Simpson's rule for ∫ N(z; 0, σ²)·(1 − q + q·e^{(2z−1)/(2σ²)})^α dz on a wide, fine grid. */
  private static double integrateA(double q, double sigma, double alpha) {
    double lo = -40 * sigma;
    double hi = 40 * sigma + alpha + 2;
    int n = 400_000;
    double h = (hi - lo) / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double z = lo + i * h;
      double logDens = -z * z / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
      double ratio = 1 - q + q * Math.exp((2 * z - 1) / (2 * sigma * sigma));
      double f = Math.exp(logDens + alpha * Math.log(ratio));
      sum += f * (i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2));
    }
    return sum * h / 3;
  }

  /**
   * Tiny q: A_α − 1 ≈ C(α,2) q² (e^{1/σ²} − 1) to leading order (Mironov et al. 2019, Sec. 3.3),
   * so RDP ≈ α q² (e^{1/σ²} − 1)/2. At q = 1e-6 that is 1e-12-sized: a plain log-sum-exp of terms
   * near 1 would lose it entirely; the integer-order sum keeps it to full precision.
   */
  @ParameterizedTest
  @CsvSource({"2, 1.0", "12, 2.0", "63, 100", "8, 1.0"})
  void tinySamplingRateKeepsPrecision(double alpha, double sigma) {
    double q = 1e-6;
    double leading = alpha * q * q * Math.expm1(1 / (sigma * sigma)) / 2;
    assertEquals(leading, RdpAccountant.rdp(q, sigma, alpha), 1e-3 * leading);
  }

  /** The extremes the issue names stay finite and ordered: q 1e-6..1, σ 0.3..100, 10⁷ steps. */
  @ParameterizedTest
  @CsvSource({"1e-6, 0.3", "1e-6, 100", "1, 0.3", "1, 100", "0.5, 0.3", "1e-3, 1"})
  void extremesStayFinite(double q, double sigma) {
    for (double alpha : rdp.orders()) {
      double r = RdpAccountant.rdp(q, sigma, alpha);
      assertTrue(r >= 0 && Double.isFinite(r), "rdp at " + alpha + " = " + r);
    }
    double e = rdp.epsilon(q, sigma, 10_000_000L, 1e-5);
    assertTrue(e >= 0 && !Double.isNaN(e), "epsilon " + e);
  }

  @Test
  void epsilonGrowsWithStepsAndRateAndFallsWithNoise() {
    double prev = 0;
    for (long steps : new long[] {1, 10, 100, 1000, 10_000}) {
      double e = rdp.epsilon(0.01, 1.0, steps, 1e-5);
      assertTrue(e > prev, steps + " steps: " + e + " <= " + prev);
      prev = e;
    }
    prev = 0;
    for (double q : new double[] {1e-4, 1e-3, 0.01, 0.1, 1}) {
      double e = rdp.epsilon(q, 1.0, 100, 1e-5);
      assertTrue(e > prev, "q " + q);
      prev = e;
    }
    prev = Double.POSITIVE_INFINITY;
    for (double s : new double[] {0.5, 0.8, 1, 2, 5, 10}) {
      double e = rdp.epsilon(0.01, s, 1000, 1e-5);
      assertTrue(e < prev, "sigma " + s);
      prev = e;
    }
  }

  @Test
  void zeroStepsCostNothingAndBadArgumentsAreNamed() {
    assertEquals(0, rdp.epsilon(0.01, 1, 0, 1e-5));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> rdp.epsilon(0, 1, 1, 1e-5))
        .getMessage().contains("sampling rate"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> rdp.epsilon(0.1, 0, 1, 1e-5))
        .getMessage().contains("noise multiplier"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> rdp.epsilon(0.1, 1, 1, 1))
        .getMessage().contains("delta"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> rdp.epsilon(0.1, 1, -1, 0.1))
        .getMessage().contains("steps"));
  }
}
