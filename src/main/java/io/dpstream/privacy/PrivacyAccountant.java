package io.dpstream.privacy;

import java.util.List;

/**
 * Prices a schedule of Poisson-subsampled Gaussian steps under add/remove-one neighbours: the
 * smallest ε (at a given δ) that the accountant can prove for it. Every figure is an upper bound on
 * the true ε of the mechanism: an accountant may be loose, never optimistic.
 *
 * <p>One step: every record (here: every user) is included independently with probability q, the
 * clipped sum (sensitivity 1 after dividing by the clipping norm) gets N(0, σ²) noise.
 */
public interface PrivacyAccountant {

  /** The accountant of the given kind with its default settings. */
  static PrivacyAccountant of(AccountantKind kind) {
    return switch (kind) {
      case RDP -> new RdpAccountant();
      case PLD -> new PldAccountant();
    };
  }

  AccountantKind kind();

  /**
   * ε after {@code steps} identical steps.
   *
   * @param samplingRate q in (0, 1]
   * @param noiseMultiplier σ &gt; 0
   * @param steps ≥ 0 (0 gives ε = 0)
   * @param delta δ in (0, 1)
   * @return ε ≥ 0, or +∞ when no finite ε holds at this δ
   * @throws IllegalArgumentException naming the bad argument
   */
  default double epsilon(double samplingRate, double noiseMultiplier, long steps, double delta) {
    return epsilon(List.of(new GaussianSteps(samplingRate, noiseMultiplier, steps)), delta);
  }

  /**
   * ε after a heterogeneous schedule: the composition of every segment's steps.
   *
   * @param schedule segments in any order (composition is commutative); may be empty (ε = 0)
   * @param delta δ in (0, 1)
   */
  double epsilon(List<GaussianSteps> schedule, double delta);

  /** Checks δ ∈ (0, 1) with a message that names it. */
  static double checkDelta(double delta) {
    if (!(delta > 0 && delta < 1))
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    return delta;
  }
}
