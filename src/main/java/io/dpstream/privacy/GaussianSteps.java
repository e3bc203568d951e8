package io.dpstream.privacy;

/**
 * A run of identical Poisson-subsampled Gaussian steps: a segment of a training schedule.
 *
 * @param samplingRate q in (0, 1]
 * @param noiseMultiplier σ &gt; 0, noise standard deviation over the clipping norm
 * @param steps number of steps, ≥ 0
 */
public record GaussianSteps(double samplingRate, double noiseMultiplier, long steps) {
  public GaussianSteps {
    if (!(samplingRate > 0 && samplingRate <= 1))
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + samplingRate);
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier))
      throw new IllegalArgumentException(
          "noise multiplier must be a positive number, got " + noiseMultiplier);
    if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
  }
}
