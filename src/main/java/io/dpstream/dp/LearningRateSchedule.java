package io.dpstream.dp;

/**
 * Learning-rate factor per step. Constant: 1. Cosine (Loshchilov & Hutter 2017, Eq. 5, one cycle):
 * f(t) = m + (1 − m)(1 + cos(π·t/T))/2 for t < T, then m.
 *
 * @param kind CONSTANT or COSINE
 * @param totalSteps T > 0 for cosine (ignored for constant)
 * @param minFactor m in [0, 1], the final factor of the cosine
 */
public record LearningRateSchedule(Kind kind, long totalSteps, double minFactor) {

  /** Schedule family. */
  public enum Kind {
    CONSTANT,
    COSINE
  }

  public LearningRateSchedule {
    if (kind == null) {
      throw new IllegalArgumentException("schedule.kind must be constant or cosine");
    }
    if (kind == Kind.COSINE && totalSteps <= 0) {
      throw new IllegalArgumentException("schedule.totalSteps must be > 0 for cosine, got " + totalSteps);
    }
    if (!(minFactor >= 0 && minFactor <= 1)) {
      throw new IllegalArgumentException("schedule.minFactor must be in [0, 1], got " + minFactor);
    }
  }

  /** Factor 1 at every step. */
  public static LearningRateSchedule constant() {
    return new LearningRateSchedule(Kind.CONSTANT, 0, 1);
  }

  /** Cosine decay from 1 to {@code minFactor} over {@code totalSteps}. */
  public static LearningRateSchedule cosine(long totalSteps, double minFactor) {
    return new LearningRateSchedule(Kind.COSINE, totalSteps, minFactor);
  }

  /** Factor for the step with 0-based index {@code step}. */
  public double factor(long step) {
    if (kind == Kind.CONSTANT) {
      return 1;
    }
    if (step >= totalSteps) {
      return minFactor;
    }
    return minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
  }
}
