package io.dpstream.stream;

import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.UserLedger;

/**
 * ε after each number of steps under one fixed {@link BudgetPolicy}, computed once by charging an
 * empty ledger step by step (the policy's own arithmetic, nothing re-derived here), so that the gate
 * can state a pooled user's ε and detect thresholds without touching their stored ledger.
 */
final class EpsilonSchedule {
  /** Policies with larger step caps would need a different representation. */
  static final long MAX_TABLE = 50_000_000;

  private final double[] epsilon;
  private final long warningSteps;

  EpsilonSchedule(BudgetPolicy policy, double warningEpsilon) {
    long max = policy.maxSteps();
    if (max > MAX_TABLE)
      throw new IllegalArgumentException(
          "the budget allows " + max + " steps per user; the gate supports at most " + MAX_TABLE);
    epsilon = new double[(int) max + 1];
    UserLedger l = UserLedger.EMPTY;
    long warn = Long.MAX_VALUE;
    for (int s = 1; s <= max; s++) {
      l = policy.charge(l);
      epsilon[s] = l.epsilon();
      if (warn == Long.MAX_VALUE && l.epsilon() >= warningEpsilon) warn = s;
    }
    this.warningSteps = warn;
  }

  /** ε after {@code steps} steps, for 0 ≤ steps ≤ the policy's cap. */
  double epsilonAfter(long steps) {
    return epsilon[(int) steps];
  }

  /** The step count at which ε first reaches the warning level (Long.MAX_VALUE if never). */
  long warningSteps() {
    return warningSteps;
  }

  /** The policy's cap in steps. */
  long maxSteps() {
    return epsilon.length - 1;
  }
}
