package io.dpstream.privacy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.apache.commons.math3.util.CombinatoricsUtils;

/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism under add/remove-one
 * neighbours (Mironov, Talwar &amp; Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism"), with the RDP → (ε, δ) conversion of Balle et al. 2020 ("Hypothesis testing
 * interpretations and Rényi DP", Prop. 12) that Opacus and dp_accounting use.
 *
 * <p>RDP composes by addition, so a schedule's RDP is Σ steps·RDP(q, σ, α) at each order α, and ε
 * is the minimum of the conversion over the orders. Everything is computed in log space: finite
 * and accurate for q ∈ [1e-6, 1], σ ∈ [0.3, 100] and 10⁷ steps.
 *
 * <p>Immutable and thread-safe.
 */
public final class RdpAccountant implements PrivacyAccountant {

  /** Opacus's default orders: 1 + x/10 for x = 1..99, then the integers 12..63. */
  public static final List<Double> DEFAULT_ORDERS =
      DoubleStream.concat(
              IntStream.rangeClosed(1, 99).mapToDouble(x -> 1 + x / 10.0),
              IntStream.rangeClosed(12, 63).mapToDouble(x -> x))
          .boxed()
          .toList();

  private final double[] orders;

  /** An accountant on {@link #DEFAULT_ORDERS}. */
  public RdpAccountant() {
    this(DEFAULT_ORDERS);
  }

  /**
   * An accountant on the given orders.
   *
   * @param orders Rényi orders, each &gt; 1 and finite; at least one
   * @throws IllegalArgumentException if an order is out of range or the list is empty
   */
  public RdpAccountant(List<Double> orders) {
    if (orders == null || orders.isEmpty())
      throw new IllegalArgumentException("orders must hold at least one Renyi order");
    this.orders = orders.stream().mapToDouble(Double::doubleValue).toArray();
    for (double a : this.orders)
      if (!(a > 1) || Double.isInfinite(a))
        throw new IllegalArgumentException("Renyi orders must be finite and > 1, got " + a);
  }

  @Override
  public AccountantKind kind() {
    return AccountantKind.RDP;
  }

  /** The orders, in the order given. */
  public double[] orders() {
    return orders.clone();
  }

  /** RDP of one step at each of this accountant's orders. */
  public double[] rdpOfStep(double samplingRate, double noiseMultiplier) {
    new GaussianSteps(samplingRate, noiseMultiplier, 1); // validates
    double[] out = new double[orders.length];
    for (int k = 0; k < orders.length; k++) out[k] = rdp(samplingRate, noiseMultiplier, orders[k]);
    return out;
  }

  /** Accumulated RDP of a schedule at each of this accountant's orders. */
  public double[] rdp(List<GaussianSteps> schedule) {
    double[] total = new double[orders.length];
    for (GaussianSteps s : schedule) {
      if (s.steps() == 0) continue;
      double[] one = rdpOfStep(s.samplingRate(), s.noiseMultiplier());
      for (int k = 0; k < total.length; k++) total[k] += s.steps() * one[k];
    }
    return total;
  }

  @Override
  public double epsilon(List<GaussianSteps> schedule, double delta) {
    return epsilonAndOrder(schedule, delta).epsilon();
  }

  /** ε and the best order for a schedule. */
  public RdpEpsilon epsilonAndOrder(List<GaussianSteps> schedule, double delta) {
    return epsilonAndOrder(rdp(schedule), delta);
  }

  /** ε and the best order for RDP values given at this accountant's orders. */
  public RdpEpsilon epsilonAndOrder(double[] rdp, double delta) {
    return convert(orders, rdp, delta);
  }

  /**
   * The (ε, δ) conversion of Balle et al. 2020, Prop. 12: (α, ρ)-RDP implies (ε, δ)-DP with
   * ε = ρ + log((α−1)/α) − (log δ + log α)/(α−1). Minimised over the orders; never below 0, and 0
   * where ρ = 0 (identical distributions).
   *
   * @param orders Rényi orders &gt; 1
   * @param rdp RDP at each order (≥ 0, may be +∞)
   * @param delta δ in (0, 1)
   */
  public static RdpEpsilon convert(double[] orders, double[] rdp, double delta) {
    PrivacyAccountant.checkDelta(delta);
    if (orders.length != rdp.length)
      throw new IllegalArgumentException(
          "rdp has " + rdp.length + " values for " + orders.length + " orders");
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int k = 0; k < orders.length; k++) {
      double eps = conversionAt(orders[k], rdp[k], delta);
      if (eps < best) {
        best = eps;
        bestOrder = orders[k];
      }
    }
    return new RdpEpsilon(Math.max(0, best), bestOrder);
  }

  /** ε from (α, ρ)-RDP at δ (Balle et al. 2020, Prop. 12); +∞ for ρ = +∞ or NaN. */
  static double conversionAt(double alpha, double rho, double delta) {
    if (!(rho < Double.POSITIVE_INFINITY)) return Double.POSITIVE_INFINITY;
    if (rho == 0) return 0; // P = Q: nothing is revealed at any δ.
    return rho + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
  }

  /**
   * RDP at order α of one Poisson-subsampled Gaussian step (Mironov, Talwar &amp; Zhang 2019):
   * log(A_α)/(α−1) with A_α = E_{z∼μ₀}[(μ(z)/μ₀(z))^α], μ₀ = N(0, σ²), μ = (1−q)μ₀ + q·N(1, σ²).
   *
   * @param alpha order &gt; 1
   * @return RDP ≥ 0 (+∞ when it overflows)
   */
  public static double rdp(double q, double sigma, double alpha) {
    if (!(alpha > 1)) throw new IllegalArgumentException("order must be > 1, got " + alpha);
    double r;
    if (q == 1.0) {
      // The Gaussian mechanism itself: α/(2σ²) (Mironov 2017, Prop. 7) — for integer orders the
      // general sum below reproduces it, which the tests check.
      r = alpha == Math.rint(alpha) ? logAInteger(q, sigma, (int) alpha) / (alpha - 1)
          : alpha / (2 * sigma * sigma);
    } else if (alpha == Math.rint(alpha) && alpha <= Integer.MAX_VALUE) {
      r = logAInteger(q, sigma, (int) alpha) / (alpha - 1);
    } else {
      r = logAFractional(q, sigma, alpha) / (alpha - 1);
    }
    return Math.max(0, r);
  }

  /**
   * log A_α for integer α (Mironov et al. 2019, Sec. 3.3, eq. for integer α):
   * A_α = Σ_{i=0}^{α} C(α,i) q^i (1−q)^{α−i} exp((i²−i)/(2σ²)). Since Σ C(α,i) q^i (1−q)^{α−i} = 1
   * and the i = 0, 1 terms have exponent 0, A_α − 1 = Σ_{i≥2} C(α,i) q^i (1−q)^{α−i}
   * expm1((i²−i)/(2σ²)): a sum of positive terms, so log(A_α − 1) loses nothing to cancellation
   * even when q is 1e-6 and A_α is 1 + 1e-14.
   */
  private static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double twoSigma2 = 2 * sigma * sigma;
    double logAm1 = Double.NEGATIVE_INFINITY;
    for (int i = 2; i <= alpha; i++) {
      double x = ((double) i * i - i) / twoSigma2;
      double logExpm1 = x > 1 ? x + Math.log1p(-Math.exp(-x)) : Math.log(Math.expm1(x));
      double tail = alpha - i == 0 ? 0 : (alpha - i) * log1mQ;
      double term = CombinatoricsUtils.binomialCoefficientLog(alpha, i) + i * logQ + tail + logExpm1;
      logAm1 = LogSpace.add(logAm1, term);
    }
    return LogSpace.log1pExp(logAm1);
  }

  /**
   * log A_α for fractional α, 0 &lt; q &lt; 1 (Mironov et al. 2019, Sec. 3.3): the integral is split
   * at z₀ = σ² log(1/q − 1) + 1/2 and each half expanded as a binomial series whose terms carry an
   * erfc factor; summed in log space until the terms fall below e^-30 of unity, as Opacus does.
   */
  private static double logAFractional(double q, double sigma, double alpha) {
    double logA0 = Double.NEGATIVE_INFINITY;
    double logA1 = Double.NEGATIVE_INFINITY;
    double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double twoSigma2 = 2 * sigma * sigma;
    double logCoef = 0; // log |C(α, i)|
    boolean positive = true;
    for (int i = 0; i < 1_000_000; i++) {
      if (i > 0) {
        double factor = (alpha - i + 1) / i;
        logCoef += Math.log(Math.abs(factor));
        if (factor < 0) positive = !positive;
      }
      double j = alpha - i;
      double logT0 = logCoef + i * logQ + j * log1mQ;
      double logT1 = logCoef + j * logQ + i * log1mQ;
      double logE0 = Math.log(0.5) + LogSpace.logErfc((i - z0) / sqrt2Sigma);
      double logE1 = Math.log(0.5) + LogSpace.logErfc((z0 - j) / sqrt2Sigma);
      double logS0 = logT0 + ((double) i * i - i) / twoSigma2 + logE0;
      double logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
      if (positive) {
        logA0 = LogSpace.add(logA0, logS0);
        logA1 = LogSpace.add(logA1, logS1);
      } else {
        logA0 = subClamped(logA0, logS0);
        logA1 = subClamped(logA1, logS1);
      }
      if (Math.max(logS0, logS1) < -30) break;
    }
    return LogSpace.add(logA0, logA1);
  }

  /** Subtraction of a term of an alternating series that rounding may make a hair too large. */
  private static double subClamped(double a, double b) {
    return b >= a ? Double.NEGATIVE_INFINITY : LogSpace.sub(a, b);
  }

  @Override
  public String toString() {
    return "RdpAccountant" + Arrays.toString(orders);
  }
}
