package io.dpstream.privacy;

import java.util.Arrays;
import java.util.Objects;

/**
 * What one user has spent: an immutable value, replaced on every charge. Not a DP output: it
 * depends on which steps the user's data was eligible for, so it belongs on privileged topics.
 *
 * <p>Besides the step count and ε, it keeps the regime the steps were charged under and the
 * user's accumulated Rényi DP at the fixed orders of {@link RenyiFilter#ORDERS}, so that a policy
 * with a different (q, σ) can still decide soundly (see {@link BudgetPolicy}).
 *
 * @param steps sampled-Gaussian steps charged so far (≥ 0)
 * @param epsilon ε spent so far at the policy's δ (≥ 0)
 * @param regime {@link BudgetPolicy#regimeId} of every step so far, {@link BudgetPolicy#MIXED_REGIME}
 *     when they were charged under several, or "" when unknown (a ledger built with the two-value
 *     constructor: taken to be the regime of the policy that reads it)
 * @param rdp accumulated RDP at {@link RenyiFilter#ORDERS} (each finite and ≥ 0), or empty when
 *     not tracked
 */
public record UserLedger(long steps, double epsilon, String regime, double[] rdp) {
  /** A user who has never been charged. */
  public static final UserLedger EMPTY = new UserLedger(0, 0.0);

  public UserLedger {
    if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    if (!(epsilon >= 0)) throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
    Objects.requireNonNull(regime, "regime");
    Objects.requireNonNull(rdp, "rdp");
    if (rdp.length != 0 && rdp.length != RenyiFilter.ORDERS.size())
      throw new IllegalArgumentException("rdp must hold " + RenyiFilter.ORDERS.size()
          + " values (one per filter order) or none, got " + rdp.length);
    rdp = rdp.clone();
    for (double r : rdp)
      if (!(r >= 0) || Double.isInfinite(r))
        throw new IllegalArgumentException("rdp values must be finite and >= 0, got " + r);
  }

  /** A ledger charged under the reading policy's regime, without RDP tracking. */
  public UserLedger(long steps, double epsilon) {
    this(steps, epsilon, "", new double[0]);
  }

  /** The accumulated RDP (a copy). */
  @Override
  public double[] rdp() {
    return rdp.clone();
  }

  /** The array itself, for the policy's hot path; callers must not modify it. */
  double[] rdpView() {
    return rdp;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserLedger other
        && steps == other.steps
        && Double.compare(epsilon, other.epsilon) == 0
        && regime.equals(other.regime)
        && Arrays.equals(rdp, other.rdp);
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps, epsilon, regime, Arrays.hashCode(rdp));
  }

  @Override
  public String toString() {
    return "UserLedger[steps=" + steps + ", epsilon=" + epsilon + ", regime=" + regime
        + ", rdp=" + Arrays.toString(rdp) + "]";
  }
}
