package io.dpstream.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;

/**
 * The gate's {@link GateObserver} as Prometheus metrics, all named {@code dpstream_gate_*}.
 *
 * <p>Record outcomes and step closes are counters and histograms. The per-user state (users near
 * the cap, exhausted, max ε, the ε distribution) is not cumulative: each {@link StepClosed} is a
 * snapshot of one partition, so the observer keeps the latest snapshot per partition and sums them
 * at scrape time. A partition that this instance stopped owning (a rebalance) should be released
 * with {@link #partitionReleased}; as a safety net, a partition whose latest step is more than
 * {@link #STALE_AFTER_STEPS} behind the newest step seen here is left out of the sums. Across gate
 * instances, sum in PromQL: {@code sum(dpstream_gate_users_exhausted)}.
 *
 * <p>Privacy: these are operational counts that depend on private data, not DP outputs. Serve them
 * only on a privileged endpoint. No metric has a per-user label; dead-letter reasons are mapped
 * onto a bounded label set ({@link #MAX_REASONS} values at most, then {@code other}).
 *
 * <p>Thread-safe; the recording methods are lock-free.
 */
public final class PrometheusGateObserver implements GateObserver {

  /** A partition more than this many steps behind the newest one is left out of the sums. */
  public static final long STALE_AFTER_STEPS = 10;

  /** Distinct dead-letter reason label values kept; further reasons are counted as "other". */
  public static final int MAX_REASONS = 16;

  static final String OTHER_REASON = "other";
  private static final Pattern REASON_LABEL = Pattern.compile("[a-z][a-z0-9_]{0,39}");

  private final Clock clock;
  private final Counter records;
  private final Counter deadLetters;
  private final Counter stepsClosed;
  private final Counter userCharges;
  private final Counter budgetExhaustions;
  private final Histogram closeDuration;
  private final Set<String> reasons = ConcurrentHashMap.newKeySet();
  private final Map<Integer, StepClosed> latest = new ConcurrentHashMap<>();
  private volatile double lastCloseEpochSeconds = Double.NaN;

  /**
   * Registers the gate metrics in {@code registry}.
   *
   * @param epsilonCap the per-user ε cap, &gt; 0, exported as {@code dpstream_gate_epsilon_cap}
   * @param delta the δ of the guarantee, in [0, 1), exported as {@code dpstream_gate_delta}
   * @throws IllegalArgumentException if a value is out of range, or if the registry already holds
   *     gate metrics
   */
  public PrometheusGateObserver(PrometheusRegistry registry, double epsilonCap, double delta) {
    this(registry, epsilonCap, delta, Clock.systemUTC());
  }

  /** As {@link #PrometheusGateObserver(PrometheusRegistry, double, double)} with a given clock. */
  public PrometheusGateObserver(
      PrometheusRegistry registry, double epsilonCap, double delta, Clock clock) {
    if (!(epsilonCap > 0) || Double.isInfinite(epsilonCap))
      throw new IllegalArgumentException("epsilonCap must be finite and > 0, got " + epsilonCap);
    if (!(delta >= 0 && delta < 1))
      throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
    this.clock = clock;

    records =
        Counter.builder()
            .name("dpstream_gate_records_total")
            .help("Records by final outcome at the gate: admitted, dropped_budget, dead_lettered")
            .labelNames("outcome")
            .register(registry);
    for (String outcome : List.of("admitted", "dropped_budget", "dead_lettered"))
      records.initLabelValues(outcome);
    deadLetters =
        Counter.builder()
            .name("dpstream_gate_dead_letters_total")
            .help("Records sent to the dead-letter topic, by reason")
            .labelNames("reason")
            .register(registry);
    stepsClosed =
        Counter.builder()
            .name("dpstream_gate_steps_closed_total")
            .help("Steps closed, one per gate partition and step")
            .register(registry);
    userCharges =
        Counter.builder()
            .name("dpstream_gate_user_charges_total")
            .help("Per-user step charges written to the ledger (eligible users, summed over steps)")
            .register(registry);
    budgetExhaustions =
        Counter.builder()
            .name("dpstream_gate_budget_exhaustions_total")
            .help("Users newly found unable to take another step (their ε budget is spent)")
            .register(registry);
    closeDuration =
        Histogram.builder()
            .name("dpstream_gate_step_close_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Wall time to close one step in one partition: charge, sample, emit")
            .classicOnly()
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .withoutExemplars()
            .register(registry);

    gauge(registry, "dpstream_gate_epsilon_cap", "The per-user ε cap", epsilonCap);
    gauge(registry, "dpstream_gate_delta", "The δ of the per-user (ε_cap, δ) guarantee", delta);
    summed(registry, "dpstream_gate_ledger_users",
        "Users with a ledger entry (the ε distribution's total; the denominator of shares)",
        s -> s.epsilonBucketCounts().stream().mapToLong(Long::longValue).sum());
    summed(registry, "dpstream_gate_users_pooled", "Users with a non-empty pool (latest step)",
        StepClosed::usersPooled);
    summed(registry, "dpstream_gate_step_users_charged", "Eligible users charged in the latest step",
        StepClosed::usersCharged);
    summed(registry, "dpstream_gate_step_users_sampled", "Users sampled in the latest step",
        StepClosed::usersSampled);
    summed(registry, "dpstream_gate_users_near_cap",
        "Users whose ε is at or above the warning fraction of ε_cap", StepClosed::usersNearCap);
    summed(registry, "dpstream_gate_users_exhausted", "Users who can take no further step",
        StepClosed::usersExhausted);
    GaugeWithCallback.builder()
        .name("dpstream_gate_user_epsilon_max")
        .help("The largest per-user ε over the partitions of this instance")
        .callback(cb -> {
          List<StepClosed> current = current();
          if (!current.isEmpty())
            cb.call(current.stream().mapToDouble(StepClosed::maxEpsilon).max().orElseThrow());
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_gate_step")
        .help("The newest global step index closed by this instance")
        .callback(cb -> latest.values().stream().mapToLong(StepClosed::step).max()
            .ifPresent(cb::call))
        .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_gate_last_step_close_timestamp_seconds")
        .unit(Unit.SECONDS)
        .help("Unix time of the latest step close in this instance")
        .callback(cb -> {
          double t = lastCloseEpochSeconds;
          if (!Double.isNaN(t)) cb.call(t);
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_gate_partitions_reporting")
        .help("Gate partitions whose latest step close enters the sums above")
        .callback(cb -> cb.call(current().size()))
        .register(registry);
    registry.register(new EpsilonDistribution());
  }

  @Override
  public void admitted() {
    records.labelValues("admitted").inc();
  }

  @Override
  public void droppedForBudget() {
    records.labelValues("dropped_budget").inc();
  }

  @Override
  public void deadLettered(String reason) {
    records.labelValues("dead_lettered").inc();
    deadLetters.labelValues(reasonLabel(reason)).inc();
  }

  @Override
  public void stepClosed(StepClosed step) {
    StepClosed previous = latest.put(step.partition(), step);
    stepsClosed.inc();
    // never throw into the gate's hot path: a counter refuses negative increments
    if (step.usersCharged() > 0) userCharges.inc(step.usersCharged());
    if (step.closeSeconds() >= 0 && !Double.isInfinite(step.closeSeconds()))
      closeDuration.observe(step.closeSeconds());
    // The first report of a partition is a baseline (it may carry the whole history after a
    // restart or a rebalance); only growth after it counts as new exhaustion.
    if (previous != null && step.usersExhausted() > previous.usersExhausted())
      budgetExhaustions.inc(step.usersExhausted() - previous.usersExhausted());
    lastCloseEpochSeconds = clock.millis() / 1000.0;
  }

  /**
   * Forgets a partition this instance no longer owns, so that its last state is not summed twice
   * once another instance reports it. Call from the rebalance listener.
   */
  public void partitionReleased(int partition) {
    latest.remove(partition);
  }

  /** The label for a dead-letter reason: the reason itself while the label set is small. */
  String reasonLabel(String reason) {
    if (reason == null || !REASON_LABEL.matcher(reason).matches()) return OTHER_REASON;
    if (reasons.contains(reason)) return reason;
    synchronized (reasons) {
      if (reasons.size() >= MAX_REASONS) return OTHER_REASON;
      reasons.add(reason);
      return reason;
    }
  }

  /** The latest state of each partition that is not stale. */
  private List<StepClosed> current() {
    List<StepClosed> all = List.copyOf(latest.values());
    long newest = all.stream().mapToLong(StepClosed::step).max().orElse(0);
    return all.stream().filter(s -> s.step() >= newest - STALE_AFTER_STEPS).toList();
  }

  private static void gauge(PrometheusRegistry registry, String name, String help, double value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value))
        .register(registry);
  }

  private void summed(
      PrometheusRegistry registry, String name, String help, ToDoubleFunction<StepClosed> field) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help + ", summed over the partitions of this instance")
        .callback(cb -> {
          List<StepClosed> current = current();
          if (!current.isEmpty()) cb.call(current.stream().mapToDouble(field).sum());
        })
        .register(registry);
  }

  /**
   * The per-user ε distribution as a Prometheus gauge histogram: the current number of users per ε
   * bucket (not cumulative over time), from {@link StepClosed#EPSILON_BUCKET_UPPER_BOUNDS}. In the
   * text format it appears as {@code dpstream_gate_user_epsilon_bucket{le=...}} and
   * {@code dpstream_gate_user_epsilon_gcount}, so {@code histogram_quantile} works on it.
   */
  private final class EpsilonDistribution implements Collector {
    static final String NAME = "dpstream_gate_user_epsilon";

    @Override
    public MetricSnapshot collect() {
      int n = StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.size();
      double[] bounds = new double[n + 1];
      long[] counts = new long[n + 1];
      for (int i = 0; i < n; i++) bounds[i] = StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.get(i);
      bounds[n] = Double.POSITIVE_INFINITY;
      List<StepClosed> current = current();
      for (StepClosed s : current)
        for (int i = 0; i <= n; i++) counts[i] += s.epsilonBucketCounts().get(i);
      HistogramSnapshot.Builder snapshot =
          HistogramSnapshot.builder()
              .name(NAME)
              .help("Users per ε bucket now (a gauge histogram over the ledger, never per user)")
              .gaugeHistogram(true);
      if (!current.isEmpty())
        snapshot.dataPoint(
            HistogramSnapshot.HistogramDataPointSnapshot.builder()
                // the count (exposed as _gcount) is the sum of the buckets: every user
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .build());
      return snapshot.build();
    }

    @Override
    public String getPrometheusName() {
      return NAME;
    }
  }
}
