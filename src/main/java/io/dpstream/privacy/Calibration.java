package io.dpstream.privacy;

import java.util.function.DoubleUnaryOperator;
import java.util.function.LongToDoubleFunction;

/**
 * Noise calibration and step caps that never overshoot: the answer is always a point at which the
 * accountant was evaluated and found within the target, and its ε is reported with it. (Opacus
 * issue #346 was a calibrated σ whose ε exceeded the target, from returning the wrong end of a
 * bisection; here only the feasible end is ever returned.)
 *
 * <p>Both searches bracket the answer and then interpolate (in log ε against log σ, or ε against
 * steps), probing each interpolated point's neighbour to close the bracket, with a bisection
 * fallback, so a PLD calibration takes a handful of accountant calls.
 */
public final class Calibration {
  private Calibration() {}

  /** The largest noise multiplier searched; a target that needs more is refused. */
  public static final double MAX_NOISE_MULTIPLIER = 1000;

  /** The smallest noise multiplier searched. */
  public static final double MIN_NOISE_MULTIPLIER = 0.01;

  /** The most steps a cap may be: beyond it the cap is reported as this value. */
  public static final long MAX_STEPS = 1_000_000_000L;

  /** σ is calibrated to this relative precision (the returned σ is within it of the optimum). */
  private static final double NOISE_RELATIVE_PRECISION = 1e-3;

  /**
   * The smallest σ (to 0.1%) with ε(q, σ, steps) ≤ ε_target at δ.
   *
   * @throws IllegalArgumentException for bad arguments, or if even σ = {@value
   *     #MAX_NOISE_MULTIPLIER} does not reach the target
   */
  public static CalibratedNoise noiseMultiplier(
      AccountantKind accountant, double epsilon, double delta, double samplingRate, long steps) {
    checkEpsilon(epsilon);
    PrivacyAccountant.checkDelta(delta);
    new GaussianSteps(samplingRate, 1, steps); // validates q and steps
    if (steps == 0) return new CalibratedNoise(MIN_NOISE_MULTIPLIER, 0);
    PrivacyAccountant acc = PrivacyAccountant.of(accountant);
    DoubleUnaryOperator eps = s -> acc.epsilon(samplingRate, s, steps, delta);
    double hi;
    double epsHi;
    if (accountant == AccountantKind.PLD) {
      // The RDP answer is feasible for PLD (PLD ε ≤ RDP ε, and we check): a tight upper bracket.
      CalibratedNoise viaRdp = noiseMultiplier(AccountantKind.RDP, epsilon, delta, samplingRate, steps);
      hi = viaRdp.noiseMultiplier();
      epsHi = eps.applyAsDouble(hi);
      if (!(epsHi <= epsilon)) {
        hi = MAX_NOISE_MULTIPLIER;
        epsHi = eps.applyAsDouble(hi);
      }
    } else {
      hi = MAX_NOISE_MULTIPLIER;
      epsHi = eps.applyAsDouble(hi);
    }
    if (!(epsHi <= epsilon))
      throw new IllegalArgumentException(
          "epsilon " + epsilon + " at delta " + delta + " is out of reach: even noise multiplier "
              + MAX_NOISE_MULTIPLIER + " gives epsilon " + epsHi + " for " + steps
              + " steps at sampling rate " + samplingRate);
    double lo = hi;
    double epsLo = epsHi;
    while (epsLo <= epsilon) { // walk down until infeasible
      if (lo <= MIN_NOISE_MULTIPLIER) return new CalibratedNoise(lo, epsLo);
      hi = lo;
      epsHi = epsLo;
      // ε falls roughly like 1/σ: aim a little below where that puts the target, so that one
      // evaluation usually brackets it tightly (each PLD evaluation is the expensive part).
      double ratio = epsLo > 0 ? epsLo / epsilon : 0.5;
      lo = Math.max(MIN_NOISE_MULTIPLIER, lo * Math.max(0.5, Math.min(0.99, 0.98 * ratio)));
      epsLo = eps.applyAsDouble(lo);
    }
    // Now ε(lo) > target ≥ ε(hi). log ε is close to linear in log σ, so interpolate there, and
    // probe the interpolated point's neighbour at the precision to close the bracket from both
    // sides at once; a bisection step keeps it safe when interpolation makes little progress.
    double logTarget = Math.log(epsilon);
    while (hi / lo - 1 > NOISE_RELATIVE_PRECISION) {
      double before = hi / lo;
      double x0 = Math.log(lo);
      double x1 = Math.log(hi);
      double y0 = Math.log(epsLo);
      double y1 = Math.log(epsHi);
      double x = Double.isFinite(y0) && Double.isFinite(y1) && y0 > y1
          ? x1 + (logTarget - y1) * (x1 - x0) / (y1 - y0) : 0.5 * (x0 + x1);
      double width = x1 - x0;
      if (!(x > x0 + 0.001 * width && x < x1 - 0.001 * width)) x = 0.5 * (x0 + x1);
      double s = Math.exp(x);
      double e = eps.applyAsDouble(s);
      if (e <= epsilon) {
        hi = s;
        epsHi = e;
        double probe = s / (1 + NOISE_RELATIVE_PRECISION);
        if (probe > lo) {
          double ep = eps.applyAsDouble(probe);
          if (ep <= epsilon) {
            hi = probe;
            epsHi = ep;
          } else {
            lo = probe;
            epsLo = ep;
          }
        }
      } else {
        lo = s;
        epsLo = e;
        double probe = s * (1 + NOISE_RELATIVE_PRECISION);
        if (probe < hi) {
          double ep = eps.applyAsDouble(probe);
          if (ep <= epsilon) {
            hi = probe;
            epsHi = ep;
          } else {
            lo = probe;
            epsLo = ep;
          }
        }
      }
      if (hi / lo - 1 > NOISE_RELATIVE_PRECISION && (hi / lo - 1) > 0.5 * (before - 1)) {
        double m = Math.sqrt(lo * hi);
        double em = eps.applyAsDouble(m);
        if (em <= epsilon) {
          hi = m;
          epsHi = em;
        } else {
          lo = m;
          epsLo = em;
        }
      }
    }
    return new CalibratedNoise(hi, epsHi);
  }

  /**
   * The largest number of steps with ε(q, σ, steps) ≤ ε_target at δ (0 if even one step exceeds
   * it), capped at {@value #MAX_STEPS}.
   *
   * @throws IllegalArgumentException for bad arguments
   */
  public static CalibratedSteps maxSteps(
      AccountantKind accountant, double epsilon, double delta, double samplingRate,
      double noiseMultiplier) {
    checkEpsilon(epsilon);
    PrivacyAccountant.checkDelta(delta);
    new GaussianSteps(samplingRate, noiseMultiplier, 0); // validates q and σ
    LongToDoubleFunction eps;
    long start;
    if (accountant == AccountantKind.PLD) {
      SampledGaussianPld step = new PldAccountant().step(samplingRate, noiseMultiplier);
      eps = t -> step.epsilon(t, delta);
      // RDP's cap is feasible for PLD, which is tighter: start the bracket there.
      start = Math.max(1, maxSteps(AccountantKind.RDP, epsilon, delta, samplingRate,
          noiseMultiplier).maxSteps());
    } else {
      RdpAccountant rdp = new RdpAccountant();
      double[] perStep = rdp.rdpOfStep(samplingRate, noiseMultiplier);
      double[] orders = rdp.orders();
      eps = t -> {
        double[] total = new double[perStep.length];
        for (int k = 0; k < total.length; k++) total[k] = t * perStep[k];
        return RdpAccountant.convert(orders, total, delta).epsilon();
      };
      start = 1;
    }
    return largestFeasible(eps, epsilon, start);
  }

  /** Largest t in [0, MAX_STEPS] with f(t) ≤ target, for f non-decreasing with f(0) = 0. */
  static CalibratedSteps largestFeasible(LongToDoubleFunction f, double target, long start) {
    long lo = 0;
    double fLo = 0;
    long hi;
    double fHi;
    double fStart = f.applyAsDouble(start);
    if (fStart <= target) {
      lo = start;
      fLo = fStart;
      hi = start;
      fHi = fStart;
      while (fHi <= target) {
        if (hi >= MAX_STEPS) return new CalibratedSteps(hi, fHi);
        lo = hi;
        fLo = fHi;
        hi = Math.min(MAX_STEPS, hi * 2);
        fHi = f.applyAsDouble(hi);
      }
    } else {
      hi = start;
      fHi = fStart;
      if (start > 1) {
        return largestFeasibleBelow(f, target, 0, 0, hi, fHi);
      }
    }
    return largestFeasibleBelow(f, target, lo, fLo, hi, fHi);
  }

  /** Given f(lo) ≤ target &lt; f(hi): interpolate, probing each guess and its neighbour. */
  private static CalibratedSteps largestFeasibleBelow(
      LongToDoubleFunction f, double target, long lo, double fLo, long hi, double fHi) {
    while (hi - lo > 1) {
      long before = hi - lo;
      double frac = (target - fLo) / (fHi - fLo);
      long g = lo + (long) Math.floor(frac * (hi - lo));
      g = Math.max(lo + 1, Math.min(hi - 1, g));
      double fg = f.applyAsDouble(g);
      if (fg <= target) {
        lo = g;
        fLo = fg;
        if (g + 1 < hi) {
          double fn = f.applyAsDouble(g + 1);
          if (fn > target) {
            hi = g + 1;
            fHi = fn;
          } else {
            lo = g + 1;
            fLo = fn;
          }
        }
      } else {
        hi = g;
        fHi = fg;
        if (g - 1 > lo) {
          double fp = f.applyAsDouble(g - 1);
          if (fp <= target) {
            lo = g - 1;
            fLo = fp;
          } else {
            hi = g - 1;
            fHi = fp;
          }
        }
      }
      if (hi - lo > 1 && (hi - lo) * 2 > before) { // slow progress: one bisection step
        long m = lo + (hi - lo) / 2;
        double fm = f.applyAsDouble(m);
        if (fm <= target) {
          lo = m;
          fLo = fm;
        } else {
          hi = m;
          fHi = fm;
        }
      }
    }
    return new CalibratedSteps(lo, fLo);
  }

  private static void checkEpsilon(double epsilon) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon))
      throw new IllegalArgumentException("epsilon must be a positive number, got " + epsilon);
  }
}
