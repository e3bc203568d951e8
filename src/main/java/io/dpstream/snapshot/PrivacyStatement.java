package io.dpstream.snapshot;

import io.dpstream.privacy.AccountantKind;
import java.util.Objects;

/**
 * The privacy guarantee a snapshot carries: every user's data entered its parameters under
 * ({@code epsilonCap}, {@code delta})-DP, as computed by {@code accountant} for DP-SGD with noise
 * multiplier σ, Poisson sampling rate q and clip norm C over {@code steps} steps (DESIGN.md §2).
 *
 * @param epsilonCap per-user ε cap, positive and finite
 * @param delta δ of the guarantee, in (0, 1)
 * @param accountant the accountant that turns the steps into ε
 * @param noiseMultiplier σ: noise standard deviation in units of the clip norm, positive, finite
 * @param samplingRate q: per-step sampling probability of each eligible user, in (0, 1]
 * @param clipNorm C: L2 norm each user's gradient is clipped to, positive, finite
 * @param steps DP-SGD steps taken so far, at or above 0
 * @throws IllegalArgumentException naming the field when a value is out of range
 */
public record PrivacyStatement(
    double epsilonCap,
    double delta,
    AccountantKind accountant,
    double noiseMultiplier,
    double samplingRate,
    double clipNorm,
    long steps) {

  public PrivacyStatement {
    if (!(epsilonCap > 0) || Double.isInfinite(epsilonCap)) {
      throw new IllegalArgumentException(
          "epsilonCap must be positive and finite, got " + epsilonCap);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    Objects.requireNonNull(accountant, "accountant");
    if (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "noiseMultiplier must be positive and finite, got " + noiseMultiplier);
    }
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new IllegalArgumentException("samplingRate must be in (0, 1], got " + samplingRate);
    }
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("clipNorm must be positive and finite, got " + clipNorm);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be at or above 0, got " + steps);
    }
  }
}
