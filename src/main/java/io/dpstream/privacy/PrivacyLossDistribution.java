package io.dpstream.privacy;

import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;

/**
 * A discrete privacy loss distribution (PLD): probability masses on the grid of privacy losses
 * {@code (lowerIndex + k)·interval}, plus a mass at +∞. It stands for a dominating pair (P, Q) of
 * output distributions: the mass at loss ℓ is P's mass where log(P/Q) = ℓ, and the hockey-stick
 * divergence is δ(ε) = ω(∞) + Σ_ℓ ω(ℓ)·(1 − e^{ε−ℓ})₊ (Koskela, Jälkö &amp; Honkela 2020; Sommer,
 * Meiser &amp; Mohammadi 2019).
 *
 * <p>Every operation here is <em>pessimistic</em>: the result's δ(ε) is never below that of the
 * exact object it approximates, for every ε. Composition is exact convolution (by FFT) up to tail
 * truncation, whose mass is moved to +∞ (upper tail) or up to the lowest kept loss (lower tail).
 *
 * <p>Immutable (it caches transforms of itself) and thread-safe.
 */
final class PrivacyLossDistribution {

  /** Which neighbour has the extra user: the two directions of add/remove-one adjacency. */
  enum Direction {
    /** P = output with the user, Q = without. */
    REMOVE,
    /** P = output without the user, Q = with. */
    ADD
  }

  /** The largest FFT length we allow (2^27 points ≈ 2 GiB of doubles): beyond it we refuse. */
  private static final int MAX_FFT_LENGTH = 1 << 27;

  /** Tail mass dropped by trimming after each convolution; moved pessimistically. */
  private static final double TRIM_MASS = 1e-18;

  /**
   * Allowance for the floating-point error of one FFT convolution, charged to δ as mass at +∞
   * like the truncated tails: the FFT's absolute error on masses that sum to 1 is of order
   * 1e-16·√(N log N), below 1e-13 for the lengths we allow; this keeps the result pessimistic
   * despite rounding (and moves ε at δ = 1e-5 by about 1e-7 relative).
   */
  static final double FFT_ROUNDOFF_MASS = 1e-12;

  /** Standard normal quantile of the one-step tails we ignore: Φ̄(10.5) ≈ 4e-26. */
  private static final double TAIL_SIGMAS = 10.5;

  final double interval;
  final long lowerIndex;
  final double[] probs;
  final double infinityMass;

  private PrivacyLossDistribution(
      double interval, long lowerIndex, double[] probs, double infinityMass) {
    this.interval = interval;
    this.lowerIndex = lowerIndex;
    this.probs = probs;
    this.infinityMass = Math.min(1, infinityMass);
  }

  /** The PLD of doing nothing: all mass at loss 0. */
  static PrivacyLossDistribution identity(double interval) {
    return new PrivacyLossDistribution(interval, 0, new double[] {1.0}, 0);
  }

  /**
   * One Poisson-subsampled Gaussian step, discretised by "connect the dots" (Doroshenko, Ghazi,
   * Kamath, Kumar &amp; Manurangsi 2022, "Connect the Dots: Tighter Discrete Approximations of
   * Privacy Loss Distributions"), the discretisation dp_accounting uses by default.
   *
   * <p>Why it is pessimistic: as a function of y = e^ε, δ(y) = Σ ω(ℓ)(1 − y e^{−ℓ})₊ is convex
   * and piecewise linear with a kink of size ω(ℓ)e^{−ℓ} at y = e^ℓ. We evaluate the exact δ at the
   * grid ε_i = i·interval and build the discrete PLD whose δ-curve is the chord interpolation of
   * these values, starting from (y = 0, δ = 1) and staying constant at δ(ε_max) (mass at +∞) beyond
   * the last point. Chords of a convex function lie above it, so this PLD's δ(ε) ≥ the exact δ(ε)
   * everywhere: it is a dominating pair, and dominating pairs compose (Zhu, Dathathri &amp; Kairouz
   * 2022, Thm. 10), so every composition of it is pessimistic too. The masses are the second
   * differences ω_i = y_i·(s_{i+1} − s_i) of the chord slopes s.
   */
  static PrivacyLossDistribution sampledGaussian(
      double q, double sigma, double interval, Direction direction) {
    double epsLo;
    double epsHi;
    if (direction == Direction.REMOVE) {
      // The loss log(μ(x)/μ₀(x)) increases with x; P = (1−q)N(0,σ²) + qN(1,σ²).
      epsLo = removeLoss(q, sigma, -TAIL_SIGMAS * sigma);
      epsHi = removeLoss(q, sigma, 1 + TAIL_SIGMAS * sigma);
    } else {
      // The loss −log(μ(x)/μ₀(x)) decreases with x; P = N(0,σ²).
      epsLo = -removeLoss(q, sigma, TAIL_SIGMAS * sigma);
      epsHi = -removeLoss(q, sigma, -TAIL_SIGMAS * sigma);
    }
    long iLo = (long) Math.floor(epsLo / interval);
    long iHi = (long) Math.ceil(epsHi / interval);
    if (iHi <= iLo) iHi = iLo + 1;
    long n = iHi - iLo + 1;
    if (n > MAX_FFT_LENGTH)
      throw new IllegalArgumentException(
          "noise multiplier " + sigma + " needs " + n + " PLD grid points at interval " + interval
              + ": use a coarser interval or the rdp accountant");
    int len = (int) n;
    double[] deltas = new double[len];
    double[] ys = new double[len];
    for (int k = 0; k < len; k++) {
      double eps = (iLo + k) * interval;
      ys[k] = Math.exp(eps);
      deltas[k] = direction == Direction.REMOVE
          ? removeDelta(q, sigma, eps) : addDelta(q, sigma, eps);
    }
    double[] probs = new double[len];
    double prevY = 0;
    double prevD = 1;
    double slopeIn = 0;
    for (int k = 0; k <= len; k++) {
      double slopeOut = k == len ? 0 : (deltas[k] - prevD) / (ys[k] - prevY);
      if (k > 0) probs[k - 1] = Math.max(0, ys[k - 1] * (slopeOut - slopeIn));
      if (k < len) {
        prevY = ys[k];
        prevD = deltas[k];
      }
      slopeIn = slopeOut;
    }
    return new PrivacyLossDistribution(interval, iLo, probs, deltas[len - 1]);
  }

  /** log(1 − q + q·exp((2x − 1)/(2σ²))), the remove-direction loss at output x. */
  static double removeLoss(double q, double sigma, double x) {
    double u = (2 * x - 1) / (2 * sigma * sigma);
    if (q == 1) return u;
    if (u < 30) return Math.log1p(q * Math.expm1(u));
    return Math.log(q) + u + Math.log1p((1 - q) / q * Math.exp(-u));
  }

  /**
   * δ(ε) of one step, remove direction: 1 − e^ε below log(1−q), else q·δ_G(log(1 + (e^ε−1)/q)) —
   * amplification by Poisson sampling in closed form (Balle, Barthe &amp; Gaboardi 2018; Zhu,
   * Dathathri &amp; Kairouz 2022, Prop. 30), δ_G being the Gaussian mechanism's curve.
   */
  static double removeDelta(double q, double sigma, double eps) {
    if (q < 1 && eps <= Math.log1p(-q)) return -Math.expm1(eps);
    double u = q == 1 ? eps : Math.log1p(Math.expm1(eps) / q);
    return q * gaussianDelta(sigma, u);
  }

  /**
   * δ(ε) of one step, add direction: 0 at and above −log(1−q), else
   * (1 − e^ε(1−q))·δ_G(−log(1 + (e^{−ε}−1)/q)) (same sources as {@link #removeDelta}).
   */
  static double addDelta(double q, double sigma, double eps) {
    if (q < 1 && eps >= -Math.log1p(-q)) return 0;
    double u = q == 1 ? -eps : Math.log1p(Math.expm1(-eps) / q);
    double weight = q == 1 ? 1 : -Math.expm1(eps + Math.log1p(-q));
    return weight * gaussianDelta(sigma, -u);
  }

  /**
   * The Gaussian mechanism's exact curve with sensitivity 1 and noise σ (Balle &amp; Wang 2018,
   * Thm. 8): δ(ε) = Φ(−εσ + 1/(2σ)) − e^ε Φ(−εσ − 1/(2σ)), computed from logs of the two tails.
   */
  static double gaussianDelta(double sigma, double eps) {
    double l1 = LogSpace.logNormalTail(sigma * eps - 1 / (2 * sigma));
    double l2 = eps + LogSpace.logNormalTail(sigma * eps + 1 / (2 * sigma));
    if (l2 >= l1) return 0;
    return Math.exp(l1) * -Math.expm1(l2 - l1);
  }

  /**
   * The n-fold composition with itself, by one FFT: the support is cut to the Chernoff bounds of
   * the n-fold sum (as dp_accounting's self_convolve does), the upper tail bound {@code tailMass}
   * is added to the mass at +∞ (what wraps around the cyclic FFT from above lands low, the one
   * optimistic error, and is at most that), and what wraps from below lands high (pessimistic).
   *
   * <p>The forward transform of the one-step masses is cached per FFT length in polar form, so
   * asking about many counts (calibration) costs one power and one inverse FFT each; the result
   * for a count does not depend on what was asked before.
   */
  PrivacyLossDistribution selfCompose(long n, double tailMass) {
    if (n < 0) throw new IllegalArgumentException("composition count must be >= 0, got " + n);
    if (n == 0) return identity(interval);
    if (n == 1) return this;
    long[] bounds = chernoffBounds(n, tailMass);
    int size = fftLength(Math.max(bounds[1] - bounds[0] + 1, probs.length));
    double[][] polar = polarTransform(size);
    double[] logRadius = polar[0];
    double[] angle = polar[1];
    double[][] data = new double[2][size];
    double[] re = data[0];
    double[] im = data[1];
    for (int k = 0; k < size; k++) {
      double mag = Math.exp(n * logRadius[k]);
      if (mag == 0) continue;
      double phase = Math.IEEEremainder(n * angle[k], 2 * Math.PI);
      re[k] = mag * Math.cos(phase);
      im[k] = mag * Math.sin(phase);
    }
    FastFourierTransformer.transformInPlace(data, DftNormalization.STANDARD, TransformType.INVERSE);
    double[] out = new double[size];
    long start = bounds[0];
    int offset = (int) Math.floorMod(start, (long) size);
    for (int m = 0; m < size; m++) {
      int k = offset + m;
      if (k >= size) k -= size;
      out[m] = Math.max(0, re[k]);
    }
    double inf = -Math.expm1(n * Math.log1p(-infinityMass)) + tailMass + FFT_ROUNDOFF_MASS;
    return new PrivacyLossDistribution(interval, n * lowerIndex + start, out, inf).trimmed();
  }

  private final java.util.Map<Integer, double[][]> polarTransforms = new java.util.HashMap<>();
  private double[] chernoffTs;
  private double[] chernoffLogMgfs;

  /** log|F| and arg F of the forward FFT of the masses at the given length, cached. */
  private synchronized double[][] polarTransform(int size) {
    double[][] cached = polarTransforms.get(size);
    if (cached != null) return cached;
    double[][] data = new double[2][size];
    System.arraycopy(probs, 0, data[0], 0, probs.length);
    FastFourierTransformer.transformInPlace(data, DftNormalization.STANDARD, TransformType.FORWARD);
    double[][] polar = new double[2][size];
    for (int k = 0; k < size; k++) {
      double re = data[0][k];
      double im = data[1][k];
      polar[0][k] = 0.5 * Math.log(re * re + im * im); // |F| ≤ 1: no overflow
      polar[1][k] = Math.atan2(data[1][k], data[0][k]);
    }
    if (polarTransforms.size() >= 4) polarTransforms.clear();
    polarTransforms.put(size, polar);
    return polar;
  }

  /**
   * Chernoff bounds [lo, hi] on the n-fold sum of grid offsets (0 .. len−1): P(S &gt; hi) and
   * P(S &lt; lo) are each at most the tail mass. P(S ≥ s) ≤ exp(n·K(t) − t·s) for t &gt; 0, K the
   * log moment generating function; symmetric for t &lt; 0; minimised over a grid of t.
   */
  private synchronized long[] chernoffBounds(long n, double tailMass) {
    if (chernoffTs == null) {
      int nt = 11;
      double[] ts = new double[2 * nt];
      double[] ks = new double[2 * nt];
      for (int e = 0; e < nt; e++) {
        double scale = Math.pow(10, (e - 4) / 2.0) / probs.length;
        ts[2 * e] = scale;
        ts[2 * e + 1] = -scale;
      }
      for (int k = 0; k < ts.length; k++) ks[k] = logMgf(ts[k]);
      chernoffTs = ts;
      chernoffLogMgfs = ks;
    }
    long maxSum = n * (probs.length - 1);
    double logInvTail = -Math.log(tailMass);
    int bestHi = -1;
    int bestLo = -1;
    double hi = maxSum;
    double lo = 0;
    for (int k = 0; k < chernoffTs.length; k++) {
      double bound = (n * chernoffLogMgfs[k] + logInvTail) / chernoffTs[k];
      if (chernoffTs[k] > 0 && bound < hi) {
        hi = bound;
        bestHi = k;
      } else if (chernoffTs[k] < 0 && bound > lo) {
        lo = bound;
        bestLo = k;
      }
    }
    // Refine t around the best grid point by golden-section search on log t: a tighter window
    // can halve the FFT length, which is most of the cost.
    if (bestHi >= 0) hi = Math.min(hi, refine(chernoffTs[bestHi], n, logInvTail));
    if (bestLo >= 0) lo = Math.max(lo, -refine(-chernoffTs[bestLo], n, logInvTail));
    long l = (long) Math.max(0, Math.floor(lo));
    long h = (long) Math.min(maxSum, Math.ceil(hi));
    return new long[] {l, Math.max(l, h)};
  }

  /**
   * min over t in [t₀/√10, t₀·√10] (same sign as t₀) of the Chernoff bound (n·K(t) + log 1/τ)/t,
   * returned with the sign that makes it an upper bound for t₀ &gt; 0 and, negated, a lower bound
   * for t₀ &lt; 0. Every value it can return is a valid bound; the search only picks a good one.
   */
  private double refine(double t0, long n, double logInvTail) {
    double sign = Math.signum(t0);
    double a = Math.log(Math.abs(t0)) - 0.5 * Math.log(10);
    double b = Math.log(Math.abs(t0)) + 0.5 * Math.log(10);
    double g = (Math.sqrt(5) - 1) / 2;
    double best = Double.POSITIVE_INFINITY;
    double c = b - g * (b - a);
    double d = a + g * (b - a);
    double fc = chernoffAt(sign * Math.exp(c), n, logInvTail);
    double fd = chernoffAt(sign * Math.exp(d), n, logInvTail);
    for (int i = 0; i < 10; i++) {
      if (fc < fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - g * (b - a);
        fc = chernoffAt(sign * Math.exp(c), n, logInvTail);
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + g * (b - a);
        fd = chernoffAt(sign * Math.exp(d), n, logInvTail);
      }
      best = Math.min(best, Math.min(fc, fd));
    }
    return best;
  }

  /** (n·K(t) + log 1/τ)/t times sign(t): an upper bound on the sum for t &gt; 0, minus a lower
   * bound for t &lt; 0. */
  private double chernoffAt(double t, long n, double logInvTail) {
    return Math.signum(t) * (n * logMgf(t) + logInvTail) / t;
  }

  /** The composition with another PLD on the same grid interval: linear convolution by FFT. */
  PrivacyLossDistribution compose(PrivacyLossDistribution other) {
    if (probs.length == 1 && lowerIndex == 0 && infinityMass == 0) return other; // identity
    if (other.interval != interval)
      throw new IllegalArgumentException("cannot compose PLDs on different grids");
    int n1 = probs.length;
    int n2 = other.probs.length;
    int size = fftLength((long) n1 + n2 - 1);
    double[][] a = new double[2][size];
    double[][] b = new double[2][size];
    System.arraycopy(probs, 0, a[0], 0, n1);
    System.arraycopy(other.probs, 0, b[0], 0, n2);
    FastFourierTransformer.transformInPlace(a, DftNormalization.STANDARD, TransformType.FORWARD);
    FastFourierTransformer.transformInPlace(b, DftNormalization.STANDARD, TransformType.FORWARD);
    for (int k = 0; k < size; k++) {
      double re = a[0][k] * b[0][k] - a[1][k] * b[1][k];
      double im = a[0][k] * b[1][k] + a[1][k] * b[0][k];
      a[0][k] = re;
      a[1][k] = im;
    }
    FastFourierTransformer.transformInPlace(a, DftNormalization.STANDARD, TransformType.INVERSE);
    double[] out = new double[n1 + n2 - 1];
    for (int k = 0; k < out.length; k++) out[k] = Math.max(0, a[0][k]);
    double inf = 1 - (1 - infinityMass) * (1 - other.infinityMass) + FFT_ROUNDOFF_MASS;
    return new PrivacyLossDistribution(interval, lowerIndex + other.lowerIndex, out, inf)
        .trimmed();
  }

  /**
   * Drops negligible tails pessimistically: upper-tail mass up to {@link #TRIM_MASS} moves to +∞,
   * lower-tail mass up to the same moves up to the lowest kept loss.
   */
  private PrivacyLossDistribution trimmed() {
    int hi = probs.length - 1;
    double top = 0;
    while (hi > 0 && top + probs[hi] <= TRIM_MASS) top += probs[hi--];
    int lo = 0;
    double bottom = 0;
    while (lo < hi && bottom + probs[lo] <= TRIM_MASS) bottom += probs[lo++];
    if (lo == 0 && hi == probs.length - 1) return this;
    double[] kept = java.util.Arrays.copyOfRange(probs, lo, hi + 1);
    kept[0] += bottom;
    return new PrivacyLossDistribution(interval, lowerIndex + lo, kept, infinityMass + top);
  }

  /** log Σ p_j e^{t·j}, in one pass with a running maximum (online log-sum-exp). */
  private double logMgf(double t) {
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (int j = 0; j < probs.length; j++) {
      double p = probs[j];
      if (p <= 0) continue;
      double x = t * j;
      if (x > max) {
        sum = sum * Math.exp(max - x) + p;
        max = x;
      } else {
        sum += p * Math.exp(x - max);
      }
    }
    return max + Math.log(sum);
  }

  private static int fftLength(long needed) {
    long size = Long.highestOneBit(Math.max(1, needed));
    if (size < needed) size <<= 1;
    if (size > MAX_FFT_LENGTH)
      throw new IllegalArgumentException(
          "privacy loss distribution needs " + needed + " grid points: too long a schedule for "
              + "the pld accountant at this interval; use a coarser interval or rdp");
    return (int) size;
  }

  /** δ(ε) = ω(∞) + Σ ω(ℓ)(1 − e^{ε−ℓ})₊. */
  double delta(double epsilon) {
    double sum = infinityMass;
    for (int k = probs.length - 1; k >= 0; k--) {
      double loss = (lowerIndex + k) * interval;
      if (loss <= epsilon) break;
      sum += probs[k] * -Math.expm1(epsilon - loss);
    }
    return Math.min(1, sum);
  }

  /**
   * The smallest ε ≥ 0 with δ(ε) ≤ the target, solved exactly between grid points: above the
   * grid loss ℓ_{k−1}, δ(ε) = A − e^ε·B with A, B the masses (and e^{−ℓ}-weighted masses) above.
   * +∞ when the mass at +∞ alone exceeds the target.
   */
  double epsilon(double delta) {
    if (infinityMass > delta) return Double.POSITIVE_INFINITY;
    double a = infinityMass;
    double b = 0;
    for (int k = probs.length - 1; k >= 0; k--) {
      double loss = (lowerIndex + k) * interval;
      a += probs[k];
      b += probs[k] * Math.exp(-loss);
      double below = k == 0 ? Double.NEGATIVE_INFINITY : (lowerIndex + k - 1) * interval;
      // δ at the next grid loss down, with the masses from k up counted.
      double deltaBelow = k == 0 ? a : a - Math.exp(below) * b;
      if (deltaBelow > delta) {
        double eps = Math.log((a - delta) / b);
        return Math.max(0, Math.min(eps, loss));
      }
      if (below <= 0 && deltaBelow <= delta) return 0;
    }
    return 0;
  }
}
