package io.dpstream.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers "may this user take part in one more step?" and "charge this user for one step": the
 * filter of DESIGN.md §2. Both are O(1) and allocation-light for a fixed (q, σ): the largest number
 * of steps that keeps ε ≤ ε_cap is computed once, here, by the configured accountant.
 *
 * <p><b>Two cases, one guarantee.</b> Every admitted user gets (ε_cap, δ)-DP over the whole life
 * of the stream, with δ split in two halves:
 *
 * <ul>
 *   <li><i>Single regime</i>: all of the user's steps had this policy's (q, σ) (the ledger's
 *       regime is {@link #regimeId} of it). The user is admitted while steps &lt; {@link
 *       #maxSteps()}, the accountant's cap at (ε_cap, δ/2). A user who stops early is covered too:
 *       (1 − e^{ε−L_t})₊ is a convex function of the likelihood-ratio martingale e^{−L_t}, hence a
 *       submartingale, so stopping at any t ≤ cap gives δ no larger than at the cap.
 *   <li><i>Mixed regimes</i>: the ledger was charged under another (q, σ). Then a {@link
 *       RenyiFilter} at (ε_cap, δ/2) decides, on the user's RDP accumulated over their whole
 *       history at fixed orders (kept in the ledger), which is sound even when policy changes
 *       are chosen adaptively (Feldman &amp; Zrnic 2021). Once mixed, a ledger stays mixed.
 * </ul>
 *
 * A user's δ(ε_cap) is E[f(L_τ); single] + E[f(L_τ); mixed] with f(L) = (1 − e^{ε−L})₊; the
 * first is at most δ/2 (stop the process at the first regime change: a single-regime process
 * with at most cap steps), the second at most δ/2 (the filter's bound), so the sum is at most δ.
 *
 * <p>The ε written to a ledger is an upper bound on what the user has spent: in a single regime,
 * the accountant's ε at δ/2 for the smallest tabulated step count at or above the user's (counts
 * are tabulated geometrically up to the cap); in mixed regimes, the filter's ε.
 *
 * <p>Thread-safe and immutable once built.
 */
public final class BudgetPolicy {

  /** The regime of a ledger charged under more than one (q, σ). */
  public static final String MIXED_REGIME = "mixed";

  private static final int CACHE_SIZE = 32;

  private static final Map<BudgetPolicyConfig, BudgetPolicy> CACHE =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<BudgetPolicyConfig, BudgetPolicy> e) {
          return size() > CACHE_SIZE;
        }
      };

  private final BudgetPolicyConfig config;
  private final long maxSteps;
  private final String regime;
  private final double[] stepRdp;
  private final RenyiFilter filter;
  private volatile EpsilonTable epsilonTable;
  private final double capEpsilon;

  private BudgetPolicy(BudgetPolicyConfig config, long maxSteps, double capEpsilon) {
    this.config = config;
    this.maxSteps = maxSteps;
    this.capEpsilon = capEpsilon;
    this.regime = regimeId(config.samplingRate(), config.noiseMultiplier());
    this.stepRdp = RenyiFilter.stepRdp(config.samplingRate(), config.noiseMultiplier());
    this.filter = new RenyiFilter(config.epsilonCap(), config.delta() / 2);
  }

  /**
   * The policy whose step cap the configured accountant computes at (ε_cap, δ/2). PLD policies
   * take seconds to build (calibration plus the ε table); built policies are cached by config.
   */
  public static BudgetPolicy create(BudgetPolicyConfig config) {
    synchronized (CACHE) {
      BudgetPolicy cached = CACHE.get(config);
      if (cached != null) return cached;
    }
    CalibratedSteps cap = Calibration.maxSteps(config.accountant(), config.epsilonCap(),
        config.delta() / 2, config.samplingRate(), config.noiseMultiplier());
    BudgetPolicy policy = new BudgetPolicy(config, cap.maxSteps(), cap.epsilon());
    policy.table(); // computed now, not on the gate's hot path
    synchronized (CACHE) {
      CACHE.put(config, policy);
    }
    return policy;
  }

  /**
   * A policy with a given step cap (tests, and callers that computed the cap already). The
   * caller vouches that {@code maxSteps} steps of (q, σ) stay within (ε_cap, δ/2); the ε table
   * is computed on first use.
   */
  public static BudgetPolicy withStepCap(BudgetPolicyConfig config, long maxSteps) {
    if (maxSteps < 0) throw new IllegalArgumentException("maxSteps must be >= 0");
    return new BudgetPolicy(config, maxSteps, Double.NaN);
  }

  /** The regime identifier of a (q, σ): equal exactly when both are equal. */
  public static String regimeId(double samplingRate, double noiseMultiplier) {
    return "sgm;q=" + samplingRate + ";sigma=" + noiseMultiplier;
  }

  public BudgetPolicyConfig config() {
    return config;
  }

  /** The most steps one user may be charged under this policy's regime alone. */
  public long maxSteps() {
    return maxSteps;
  }

  /** This policy's regime identifier, written to the ledgers it charges. */
  public String regime() {
    return regime;
  }

  /** True when one more step keeps the user within ε_cap (see the class comment). */
  public boolean mayTakeStep(UserLedger ledger) {
    if (isSingleRegime(ledger)) return ledger.steps() < maxSteps;
    if (ledger.rdpView().length == 0 && ledger.steps() > 0) return false; // history unknown
    return filter.admits(ledger.rdpView(), stepRdp);
  }

  /** The ledger after one more step; throws IllegalStateException if the user may not take it. */
  public UserLedger charge(UserLedger ledger) {
    if (!mayTakeStep(ledger))
      throw new IllegalStateException("user has no budget left for another step");
    long steps = ledger.steps() + 1;
    double[] spent = ledger.rdpView();
    double[] rdp = new double[stepRdp.length];
    if (spent.length == 0) {
      // Untracked history is only admitted in this policy's regime (or empty): rebuild it.
      for (int k = 0; k < rdp.length; k++) rdp[k] = steps * stepRdp[k];
    } else {
      for (int k = 0; k < rdp.length; k++) rdp[k] = spent[k] + stepRdp[k];
    }
    if (isSingleRegime(ledger)) return new UserLedger(steps, epsilonAfter(steps), regime, rdp);
    return new UserLedger(steps, filter.epsilon(rdp), MIXED_REGIME, rdp);
  }

  /**
   * An upper bound on ε at the policy's δ of a user charged {@code steps} steps in this
   * policy's regime (the accountant's ε at δ/2, see the class comment).
   */
  public double epsilonAfter(long steps) {
    if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    return table().at(steps);
  }

  private boolean isSingleRegime(UserLedger ledger) {
    String r = ledger.regime();
    return r.isEmpty() || r.equals(regime) || (ledger.steps() == 0 && !r.equals(MIXED_REGIME));
  }

  private EpsilonTable table() {
    EpsilonTable t = epsilonTable;
    if (t == null) {
      synchronized (this) {
        t = epsilonTable;
        if (t == null) epsilonTable = t = EpsilonTable.compute(config, maxSteps, capEpsilon);
      }
    }
    return t;
  }

  /**
   * ε at tabulated step counts 1, 2, 3, 4, 6, 9, … (×1.5) up to the cap, made monotone: the
   * value for a count is the one at the smallest tabulated count at or above it, an upper bound
   * since the true ε grows with the number of steps. Beyond the cap (mixed histories never read
   * it) the accountant is asked directly.
   */
  private record EpsilonTable(long[] counts, double[] epsilons, BudgetPolicyConfig config) {
    static EpsilonTable compute(BudgetPolicyConfig config, long cap, double capEpsilon) {
      List<Long> counts = new ArrayList<>();
      for (long c = 1; c < cap; c = Math.max(c + 1, (long) Math.ceil(c * 1.5))) counts.add(c);
      if (cap > 0) counts.add(cap);
      double delta = config.delta() / 2;
      double[] eps = new double[counts.size()];
      if (config.accountant() == AccountantKind.PLD) {
        SampledGaussianPld step =
            new PldAccountant().step(config.samplingRate(), config.noiseMultiplier());
        for (int i = 0; i < eps.length; i++) eps[i] = step.epsilon(counts.get(i), delta);
      } else {
        RdpAccountant rdp = new RdpAccountant();
        for (int i = 0; i < eps.length; i++)
          eps[i] = rdp.epsilon(config.samplingRate(), config.noiseMultiplier(), counts.get(i), delta);
      }
      if (eps.length > 0 && capEpsilon == capEpsilon) eps[eps.length - 1] = capEpsilon;
      for (int i = eps.length - 2; i >= 0; i--) eps[i] = Math.min(eps[i], eps[i + 1]);
      return new EpsilonTable(counts.stream().mapToLong(Long::longValue).toArray(), eps, config);
    }

    double at(long steps) {
      if (steps == 0) return 0;
      int i = Arrays.binarySearch(counts, steps);
      if (i < 0) i = -i - 1;
      if (i < counts.length) return epsilons[i];
      return PrivacyAccountant.of(config.accountant())
          .epsilon(config.samplingRate(), config.noiseMultiplier(), steps, config.delta() / 2);
    }
  }
}
