package io.dpstream.privacy;

import java.util.Locale;

/** Which accountant turns a sequence of sampled-Gaussian steps into (ε, δ). */
public enum AccountantKind {
  /** Rényi DP of the Poisson-subsampled Gaussian (Mironov, Talwar &amp; Zhang 2019). */
  RDP,
  /** Privacy loss distribution with pessimistic discretisation (Koskela et al.; Gopi et al.). */
  PLD;

  /** Parses {@code rdp} or {@code pld} (any case); the message names the bad value. */
  public static AccountantKind parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown accountant '" + s + "': expected rdp or pld");
    }
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
