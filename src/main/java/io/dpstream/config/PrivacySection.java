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
    BudgetPolicyConfig policy;
    try {
      policy =
          new BudgetPolicyConfig(
              s.doubleValue("privacy.epsilonCap", 8.0),
              s.doubleValue("privacy.delta", 1e-5),
              s.doubleValue("privacy.samplingRate", 0.01),
              s.doubleValue("privacy.noiseMultiplier", 1.0),
              kind);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("privacy: " + e.getMessage(), e);
    }
    return new PrivacySection(policy, s.doubleValue("privacy.warningFraction", 0.8));
  }
}
