package io.dpstream.privacy;

import io.dpstream.privacy.PrivacyLossDistribution.Direction;
import java.util.List;

/**
 * Privacy-loss-distribution accountant for the Poisson-subsampled Gaussian mechanism under
 * add/remove-one neighbours (Koskela, Jälkö &amp; Honkela 2020; Koskela et al. 2021; Gopi, Lee &amp;
 * Wutschitz 2021; Google's dp_accounting): each step's PLD is discretised pessimistically on a
 * grid of privacy losses ("connect the dots", Doroshenko et al. 2022), steps are composed by FFT,
 * and ε is read off the composed distribution. Both directions of the adjacency (remove and add)
 * are composed and the larger ε is reported, as dp_accounting does.
 *
 * <p>Its ε is an upper bound on the true ε (every approximation is pessimistic, see {@link
 * PrivacyLossDistribution}); at the default interval 1e-4 it reproduces dp_accounting's published
 * test values and the analytic Gaussian mechanism to 1e-3 (see PldAccountantTest), and a grid
 * five times finer moves it by less than 0.1%. For small q it is far tighter than RDP (at
 * q = 0.001, σ = 1, 1000 steps: 0.149 against 0.678). The default accountant.
 *
 * <p>Thread-safe. It caches the one-step distributions of the last few (q, σ) it was asked about.
 */
public final class PldAccountant implements PrivacyAccountant {

  /** The discretisation interval of privacy losses dp_accounting uses by default. */
  public static final double DEFAULT_INTERVAL = 1e-4;

  /** Tail mass cut at each self-composition and charged to δ (dp_accounting's default). */
  public static final double TAIL_MASS_TRUNCATION = 1e-15;

  private final double interval;

  public PldAccountant() {
    this(DEFAULT_INTERVAL);
  }

  /**
   * @param interval grid interval of privacy losses, in (0, 1]; smaller is tighter and slower
   */
  public PldAccountant(double interval) {
    if (!(interval > 0 && interval <= 1))
      throw new IllegalArgumentException("PLD interval must be in (0, 1], got " + interval);
    this.interval = interval;
  }

  @Override
  public AccountantKind kind() {
    return AccountantKind.PLD;
  }

  public double interval() {
    return interval;
  }

  @Override
  public double epsilon(List<GaussianSteps> schedule, double delta) {
    PrivacyAccountant.checkDelta(delta);
    if (schedule.size() == 1) {
      GaussianSteps s = schedule.get(0);
      return step(s.samplingRate(), s.noiseMultiplier()).epsilon(s.steps(), delta);
    }
    return java.util.Arrays.stream(Direction.values())
        .parallel()
        .mapToDouble(d -> composed(schedule, d).epsilon(delta))
        .max()
        .orElseThrow();
  }

  /**
   * δ(ε) of a schedule: the larger of the two directions.
   *
   * @param epsilon ε ≥ 0
   * @return δ in [0, 1]
   */
  public double delta(List<GaussianSteps> schedule, double epsilon) {
    if (!(epsilon >= 0)) throw new IllegalArgumentException("epsilon must be >= 0, got " + epsilon);
    double delta = 0;
    for (Direction d : Direction.values()) delta = Math.max(delta, composed(schedule, d).delta(epsilon));
    return delta;
  }

  /**
   * The pricer of one (q, σ) step, for asking about many step counts at the cost of one PLD.
   * This accountant keeps the last few it built, so a caller that asks every step (a trainer
   * reporting ε) pays only for the composition.
   */
  public SampledGaussianPld step(double samplingRate, double noiseMultiplier) {
    List<Double> key = List.of(samplingRate, noiseMultiplier);
    synchronized (steps) {
      SampledGaussianPld cached = steps.get(key);
      if (cached != null) return cached;
    }
    SampledGaussianPld built = new SampledGaussianPld(samplingRate, noiseMultiplier, interval);
    synchronized (steps) {
      steps.put(key, built);
    }
    return built;
  }

  private final java.util.Map<List<Double>, SampledGaussianPld> steps =
      new java.util.LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<List<Double>, SampledGaussianPld> e) {
          return size() > 8;
        }
      };

  private PrivacyLossDistribution composed(List<GaussianSteps> schedule, Direction direction) {
    PrivacyLossDistribution total = PrivacyLossDistribution.identity(interval);
    for (GaussianSteps s : schedule) {
      if (s.steps() == 0) continue;
      PrivacyLossDistribution one =
          step(s.samplingRate(), s.noiseMultiplier()).distribution(direction);
      total = total.compose(one.selfCompose(s.steps(), TAIL_MASS_TRUNCATION));
    }
    return total;
  }
}
