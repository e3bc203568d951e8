package io.dpstream.privacy;

/**
 * What one user has spent: an immutable value, replaced on every charge. Not a DP output: it
 * depends on which steps the user's data was eligible for, so it belongs on privileged topics.
 *
 * @param steps sampled-Gaussian steps charged so far (≥ 0)
 * @param epsilon ε spent so far at the policy's δ (≥ 0)
 */
public record UserLedger(long steps, double epsilon) {
  /** A user who has never been charged. */
  public static final UserLedger EMPTY = new UserLedger(0, 0.0);

  public UserLedger {
    if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    if (!(epsilon >= 0)) throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
  }
}
