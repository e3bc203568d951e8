package io.dpstream.privacy;

import org.apache.commons.math3.special.Erf;

/**
 * Arithmetic on logarithms of non-negative numbers, so that accountant figures stay finite when
 * the numbers themselves would overflow or underflow a double.
 */
final class LogSpace {
  private LogSpace() {}

  private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
  private static final double SQRT2 = Math.sqrt(2.0);

  /** log(e^a + e^b); either may be -∞. */
  static double add(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) return b;
    if (b == Double.NEGATIVE_INFINITY) return a;
    double hi = Math.max(a, b);
    return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
  }

  /** log(e^a - e^b) for a ≥ b; -∞ when they are equal. */
  static double sub(double a, double b) {
    if (b == Double.NEGATIVE_INFINITY) return a;
    if (b > a) throw new ArithmeticException("log of a negative number: " + a + " < " + b);
    if (a == b) return Double.NEGATIVE_INFINITY;
    double d = b - a;
    // log(1 - e^d): expm1 is accurate for d near 0, log1p(-e^d) for very negative d.
    return a + (d > -0.693 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
  }

  /** log(1 + e^x) without overflow. */
  static double log1pExp(double x) {
    return x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  /**
   * log(erfc(x)) for any real x. For x ≥ 20 erfc underflows towards the double range, so the
   * asymptotic expansion erfc(x) = e^{-x²}/(x√π)·(1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸))
   * (Abramowitz &amp; Stegun 7.1.23) is used; its truncation error there is below 1e-15.
   */
  static double logErfc(double x) {
    if (x < 20) return Math.log(Erf.erfc(x));
    double r = 1.0 / (2 * x * x);
    double series = 1 - r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r)));
    return -x * x - Math.log(x) - LOG_SQRT_PI + Math.log(series);
  }

  /** log P(Z &gt; z) for a standard normal Z. */
  static double logNormalTail(double z) {
    return Math.log(0.5) + logErfc(z / SQRT2);
  }
}
