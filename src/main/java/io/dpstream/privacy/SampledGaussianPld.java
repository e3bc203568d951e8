package io.dpstream.privacy;

import io.dpstream.privacy.PrivacyLossDistribution.Direction;

/**
 * The discretised PLD of one Poisson-subsampled Gaussian step (both adjacency directions), built
 * once and composed for any number of steps: what calibration and step caps need, since they ask
 * about many step counts for one (q, σ). Obtain one from {@link PldAccountant#step}.
 *
 * <p>Immutable and thread-safe.
 */
public final class SampledGaussianPld {
  private final double samplingRate;
  private final double noiseMultiplier;
  private final PrivacyLossDistribution remove;
  private final PrivacyLossDistribution add;

  SampledGaussianPld(double samplingRate, double noiseMultiplier, double interval) {
    new GaussianSteps(samplingRate, noiseMultiplier, 1); // validates
    this.samplingRate = samplingRate;
    this.noiseMultiplier = noiseMultiplier;
    this.remove = PrivacyLossDistribution.sampledGaussian(
        samplingRate, noiseMultiplier, interval, Direction.REMOVE);
    this.add = PrivacyLossDistribution.sampledGaussian(
        samplingRate, noiseMultiplier, interval, Direction.ADD);
  }

  public double samplingRate() {
    return samplingRate;
  }

  public double noiseMultiplier() {
    return noiseMultiplier;
  }

  /**
   * ε after {@code steps} steps at δ.
   *
   * @param steps ≥ 0
   * @param delta in (0, 1)
   */
  public double epsilon(long steps, double delta) {
    PrivacyAccountant.checkDelta(delta);
    if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    if (steps == 0) return 0;
    double a = remove.selfCompose(steps, PldAccountant.TAIL_MASS_TRUNCATION).epsilon(delta);
    double b = add.selfCompose(steps, PldAccountant.TAIL_MASS_TRUNCATION).epsilon(delta);
    return Math.max(a, b);
  }
}
