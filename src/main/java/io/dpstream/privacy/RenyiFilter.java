package io.dpstream.privacy;

import java.util.List;

/**
 * A Rényi filter over a fixed set of orders: admits one more step while some order keeps the
 * user's accumulated RDP within that order's budget. It is what keeps per-user composition sound
 * when (q, σ) change between policies, and (unlike a step cap) it is sound for steps whose RDP is
 * chosen adaptively.
 *
 * <p><b>Soundness.</b> Fix a user and let ρ_t(α) be the RDP of their t-th step, chosen before the
 * step from public information (the policy in force) and the user's own eligibility. Let L_t be
 * the privacy loss after t steps and R_t(α) = Σ_{s≤t} ρ_s(α). For each α, M_t =
 * exp((α−1)(L_t − R_t(α))) is a non-negative supermartingale under the "with the user" world
 * (Feldman &amp; Zrnic 2021, "Individual Privacy Accounting via a Rényi Filter", proof of Thm. 3.1),
 * so E[M_τ] ≤ 1 at the stopping time τ. The filter stops before any step after which no order
 * satisfies R(α) ≤ B(α), so at τ some order does. Using (1 − e^{ε−L})₊ ≤ c_α e^{(α−1)(L−ε)} with
 * c_α = (1/α)(1 − 1/α)^{α−1} (the bound behind Balle et al. 2020, Prop. 12) on the event
 * {R_τ(α) ≤ B(α)} and a union bound over the orders:
 *
 * <pre>
 *   δ(ε) = E[(1 − e^{ε−L_τ})₊] ≤ Σ_α c_α e^{(α−1)(B(α)−ε)} E[M_τ] ≤ Σ_α δ/|Λ| = δ
 * </pre>
 *
 * with B(α) = ε + (log(δ/|Λ|) + log α)/(α−1) − log(1 − 1/α): the budget is the Balle et al.
 * conversion at δ/|Λ|. The union bound over the |Λ| = {@value #ORDER_COUNT} orders is the price
 * of choosing the order after the fact; it is why the order set is small.
 *
 * <p>Immutable and thread-safe.
 */
public final class RenyiFilter {

  /** The filter's fixed Rényi orders: what {@link UserLedger#rdp()} is accumulated at. */
  public static final List<Double> ORDERS = List.of(
      1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 32.0,
      48.0, 64.0);

  static final int ORDER_COUNT = 18;

  private static final RdpAccountant ACCOUNTANT = new RdpAccountant(ORDERS);

  private final double epsilon;
  private final double delta;
  private final double[] orders;
  private final double[] budgets;

  /**
   * A filter that guarantees (ε, δ)-DP for every user it admits.
   *
   * @param epsilon ε &gt; 0
   * @param delta δ in (0, 1)
   */
  public RenyiFilter(double epsilon, double delta) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon))
      throw new IllegalArgumentException("epsilon must be a positive number, got " + epsilon);
    PrivacyAccountant.checkDelta(delta);
    this.epsilon = epsilon;
    this.delta = delta;
    this.orders = ACCOUNTANT.orders();
    this.budgets = new double[orders.length];
    double perOrderDelta = delta / orders.length;
    for (int k = 0; k < orders.length; k++) {
      double a = orders[k];
      budgets[k] = epsilon + (Math.log(perOrderDelta) + Math.log(a)) / (a - 1) - Math.log1p(-1 / a);
    }
  }

  /** RDP of one (q, σ) step at {@link #ORDERS}. */
  public static double[] stepRdp(double samplingRate, double noiseMultiplier) {
    return ACCOUNTANT.rdpOfStep(samplingRate, noiseMultiplier);
  }

  /** The per-order budgets B(α) (a copy); negative where an order can never admit a step. */
  public double[] budgets() {
    return budgets.clone();
  }

  /**
   * True when, after adding {@code next} to {@code spent}, some order is still within budget.
   *
   * @param spent accumulated RDP at {@link #ORDERS} (may be empty: nothing spent)
   * @param next RDP of the step asked for, at {@link #ORDERS}
   */
  public boolean admits(double[] spent, double[] next) {
    for (int k = 0; k < budgets.length; k++) {
      double s = spent.length == 0 ? 0 : spent[k];
      if (s + next[k] <= budgets[k]) return true;
    }
    return false;
  }

  /**
   * The ε (at this filter's δ, union bound included) that an accumulated RDP guarantees: the
   * smallest over the orders of the Balle et al. conversion at δ/|Λ|.
   */
  public double epsilon(double[] spent) {
    if (spent.length == 0) return 0;
    return RdpAccountant.convert(orders, spent, delta / orders.length).epsilon();
  }

  public double epsilonCap() {
    return epsilon;
  }

  public double delta() {
    return delta;
  }
}
