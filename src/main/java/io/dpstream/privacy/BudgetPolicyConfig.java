package io.dpstream.privacy;

/**
 * The public parameters of the per-user budget: every user may spend at most {@code epsilonCap}
 * at {@code delta}, one sampled-Gaussian step (sampling rate q, noise multiplier σ) at a time.
 *
 * @param epsilonCap ε_cap &gt; 0
 * @param delta δ in (0, 1)
 * @param samplingRate q in (0, 1]
 * @param noiseMultiplier σ &gt; 0 (noise standard deviation over the clipping norm)
 * @param accountant the accountant that prices a step
 */
public record BudgetPolicyConfig(
    double epsilonCap,
    double delta,
    double samplingRate,
    double noiseMultiplier,
    AccountantKind accountant) {

  public BudgetPolicyConfig {
    if (!(epsilonCap > 0) || Double.isInfinite(epsilonCap))
      throw new IllegalArgumentException("epsilon cap must be a positive number, got " + epsilonCap);
    if (!(delta > 0 && delta < 1))
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    if (!(samplingRate > 0 && samplingRate <= 1))
      throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + samplingRate);
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier))
      throw new IllegalArgumentException(
          "noise multiplier must be a positive number, got " + noiseMultiplier);
    if (accountant == null) throw new IllegalArgumentException("accountant must be given");
  }
}
