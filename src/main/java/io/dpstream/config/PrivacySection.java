package io.dpstream.config;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.BudgetPolicyConfig;

/**
 * The public privacy parameters: every user's data enters the outputs under (ε_cap, δ)-DP, one
 * Poisson-subsampled Gaussian step (q, σ) at a time. Validation of the first five is {@link
 * BudgetPolicyConfig}'s.
 *
 * @param policy ε_cap, δ, q, σ and the accountant
 * @param warningFraction a WARNING alert is published once when a user's ε reaches this fraction
 *     of ε_cap, in (0, 1]
 */
public record PrivacySection(BudgetPolicyConfig policy, double warningFraction) {
  public PrivacySection {
    if (policy == null) throw new IllegalArgumentException("privacy settings missing");
    if (!(warningFraction > 0 && warningFraction <= 1))
      throw new IllegalArgumentException(
          "privacy.warningFraction must be in (0, 1], got " + warningFraction);
  }

  static PrivacySection from(Settings s) {
    String accountant = s.string("privacy.accountant", "pld");
    AccountantKind kind;
    try {
      kind = AccountantKind.parse(accountant);
    } catch (IllegalArgumentException e) {
      throw Settings.bad("privacy.accountant", accountant, "rdp or pld");
    }
    double epsilonCap = s.doubleValue("privacy.epsilonCap", 8.0);
    double delta = s.doubleValue("privacy.delta", 1e-5);
    double samplingRate = s.doubleValue("privacy.samplingRate", 0.01);
    double noiseMultiplier = s.doubleValue("privacy.noiseMultiplier", 1.0);
    // BudgetPolicyConfig checks these too; checking here first names the setting in the error.
    require(epsilonCap > 0, "privacy.epsilonCap", epsilonCap, "> 0");
    require(delta > 0 && delta < 1, "privacy.delta", delta, "in (0, 1)");
    require(samplingRate > 0 && samplingRate <= 1, "privacy.samplingRate", samplingRate, "in (0, 1]");
    require(noiseMultiplier > 0, "privacy.noiseMultiplier", noiseMultiplier, "> 0");
    BudgetPolicyConfig policy;
    try {
      policy = new BudgetPolicyConfig(epsilonCap, delta, samplingRate, noiseMultiplier, kind);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("privacy: " + e.getMessage(), e);
    }
    return new PrivacySection(policy, s.doubleValue("privacy.warningFraction", 0.8));
  }

  private static void require(boolean ok, String key, double value, String range) {
    if (!ok) throw new IllegalArgumentException(key + " must be " + range + ", got " + value);
  }
}
