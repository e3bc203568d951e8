package io.dpstream.metrics;

import java.util.List;

/**
 * Operational summary of one step closed by one gate partition. Not a DP output: counts depend on
 * private data and must only reach privileged endpoints.
 *
 * @param partition the gate (input) partition
 * @param step the global step index
 * @param usersPooled users with a non-empty pool in this partition
 * @param usersCharged eligible users charged for this step
 * @param usersSampled users whose records were emitted
 * @param usersNearCap users whose ε is at or above the warning fraction of ε_cap
 * @param usersExhausted users who can take no further step
 * @param maxEpsilon the largest per-user ε in this partition
 * @param epsilonBucketCounts users per bucket of {@link #EPSILON_BUCKET_UPPER_BOUNDS}, with one
 *     final bucket for everything above the last bound; a snapshot of current state, not
 *     cumulative
 * @param closeSeconds wall time spent closing the step
 */
public record StepClosed(
    int partition,
    long step,
    long usersPooled,
    long usersCharged,
    long usersSampled,
    long usersNearCap,
    long usersExhausted,
    double maxEpsilon,
    List<Long> epsilonBucketCounts,
    double closeSeconds) {

  /** Upper bounds (inclusive) of the per-user ε buckets. */
  public static final List<Double> EPSILON_BUCKET_UPPER_BOUNDS =
      List.of(0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0);

  public StepClosed {
    epsilonBucketCounts = List.copyOf(epsilonBucketCounts);
    if (epsilonBucketCounts.size() != EPSILON_BUCKET_UPPER_BOUNDS.size() + 1)
      throw new IllegalArgumentException(
          "epsilonBucketCounts needs " + (EPSILON_BUCKET_UPPER_BOUNDS.size() + 1) + " entries");
  }
}
