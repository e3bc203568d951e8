package io.dpstream.privacy;

/**
 * Answers "may this user take part in one more step?" and "charge this user for one step" in O(1)
 * for a fixed (q, σ): the largest number of steps that keeps ε ≤ ε_cap is computed once, here.
 */
public final class BudgetPolicy {
  private final BudgetPolicyConfig config;
  private final long maxSteps;

  private BudgetPolicy(BudgetPolicyConfig config, long maxSteps) {
    this.config = config;
    this.maxSteps = maxSteps;
  }

  /** The policy whose step cap the configured accountant computes. */
  public static BudgetPolicy create(BudgetPolicyConfig config) {
    throw new UnsupportedOperationException("accountant not implemented yet");
  }

  /** A policy with a given step cap (tests, and callers that computed the cap already). */
  public static BudgetPolicy withStepCap(BudgetPolicyConfig config, long maxSteps) {
    if (maxSteps < 0) throw new IllegalArgumentException("maxSteps must be >= 0");
    return new BudgetPolicy(config, maxSteps);
  }

  public BudgetPolicyConfig config() {
    return config;
  }

  /** The most steps one user may be charged. */
  public long maxSteps() {
    return maxSteps;
  }

  /** True when one more step keeps the user within ε_cap. */
  public boolean mayTakeStep(UserLedger ledger) {
    return ledger.steps() < maxSteps;
  }

  /** The ledger after one more step; throws if the user may not take it. */
  public UserLedger charge(UserLedger ledger) {
    if (!mayTakeStep(ledger))
      throw new IllegalStateException("user has no budget left for another step");
    long steps = ledger.steps() + 1;
    return new UserLedger(steps, epsilonAfter(steps));
  }

  /** ε at the policy's δ of a user charged {@code steps} steps. */
  public double epsilonAfter(long steps) {
    return config.epsilonCap() * steps / Math.max(1, maxSteps);
  }
}
