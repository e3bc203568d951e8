package io.dpstream.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Clock;
import java.time.Duration;

/**
 * The trainer's {@link TrainerObserver} as Prometheus metrics, all named {@code
 * dpstream_trainer_*}.
 *
 * <p>Staleness alerts compare "time since the last step/snapshot" with the expected interval, both
 * exported here, so one rule file serves deployments with different step periods: {@code
 * time() - dpstream_trainer_last_step_timestamp_seconds > 5 *
 * dpstream_trainer_expected_step_interval_seconds}. The last-step and last-snapshot timestamps
 * start at the time this observer is created, so a trainer that never steps still alerts.
 *
 * <p>Privacy: the user count per step and the consumer lag depend on private data; serve them only
 * on a privileged endpoint. Thread-safe.
 */
public final class PrometheusTrainerObserver implements TrainerObserver {
  private final Clock clock;
  private final Counter steps;
  private final Histogram stepDuration;
  private final Gauge step;
  private final Gauge stepUsers;
  private final Gauge lastStep;
  private final Gauge modelEpsilon;
  private final Counter snapshots;
  private final Gauge snapshotVersion;
  private final Gauge snapshotSize;
  private final Gauge lastSnapshot;
  private final Gauge consumerLag;

  /**
   * Registers the trainer metrics in {@code registry}.
   *
   * @param expectedStepInterval how often a step is expected (the step period), &gt; 0
   * @param expectedSnapshotInterval how often a snapshot is expected to be published, &gt; 0
   * @throws IllegalArgumentException if an interval is not positive, or if the registry already
   *     holds trainer metrics
   */
  public PrometheusTrainerObserver(
      PrometheusRegistry registry, Duration expectedStepInterval, Duration expectedSnapshotInterval) {
    this(registry, expectedStepInterval, expectedSnapshotInterval, Clock.systemUTC());
  }

  /** As {@link #PrometheusTrainerObserver(PrometheusRegistry, Duration, Duration)}, given a clock. */
  public PrometheusTrainerObserver(
      PrometheusRegistry registry,
      Duration expectedStepInterval,
      Duration expectedSnapshotInterval,
      Clock clock) {
    requirePositive(expectedStepInterval, "expectedStepInterval");
    requirePositive(expectedSnapshotInterval, "expectedSnapshotInterval");
    this.clock = clock;
    double now = clock.millis() / 1000.0;

    steps =
        Counter.builder()
            .name("dpstream_trainer_steps_total")
            .help("DP-SGD steps applied to the model")
            .register(registry);
    stepDuration =
        Histogram.builder()
            .name("dpstream_trainer_step_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Wall time of one DP-SGD step: collect, per-example clipping, noise, update")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
            .withoutExemplars()
            .register(registry);
    step = gauge(registry, "dpstream_trainer_step", "The latest global step index applied");
    stepUsers =
        gauge(registry, "dpstream_trainer_step_users",
            "Users whose contributions entered the latest step (not a DP output)");
    lastStep =
        Gauge.builder()
            .name("dpstream_trainer_last_step_timestamp_seconds")
            .unit(Unit.SECONDS)
            .help("Unix time of the latest step (the trainer's start time before the first)")
            .register(registry);
    lastStep.set(now);
    gauge(registry, "dpstream_trainer_expected_step_interval_seconds",
        "The configured step period").set(seconds(expectedStepInterval));
    modelEpsilon =
        gauge(registry, "dpstream_trainer_model_epsilon",
            "ε of the model after the latest step, at the configured δ");

    snapshots =
        Counter.builder()
            .name("dpstream_trainer_snapshots_published_total")
            .help("Model snapshots published")
            .register(registry);
    snapshotVersion =
        gauge(registry, "dpstream_trainer_snapshot_version", "Version of the latest snapshot");
    snapshotSize =
        Gauge.builder()
            .name("dpstream_trainer_snapshot_size_bytes")
            .unit(Unit.BYTES)
            .help("Encoded size of the latest snapshot, all chunks")
            .register(registry);
    lastSnapshot =
        Gauge.builder()
            .name("dpstream_trainer_last_snapshot_timestamp_seconds")
            .unit(Unit.SECONDS)
            .help("Unix time the latest snapshot was published (the start time before the first)")
            .register(registry);
    lastSnapshot.set(now);
    gauge(registry, "dpstream_trainer_expected_snapshot_interval_seconds",
        "How often a snapshot is expected").set(seconds(expectedSnapshotInterval));

    consumerLag =
        Gauge.builder()
            .name("dpstream_trainer_consumer_lag_records")
            .help("Records the trainer has yet to read from its input, per partition")
            .labelNames("partition")
            .register(registry);
  }

  @Override
  public void stepTaken(TrainerStep taken) {
    steps.inc();
    stepDuration.observe(taken.durationSeconds());
    step.set(taken.step());
    stepUsers.set(taken.users());
    modelEpsilon.set(taken.modelEpsilon());
    lastStep.set(clock.millis() / 1000.0);
  }

  @Override
  public void snapshotPublished(SnapshotPublished snapshot) {
    snapshots.inc();
    snapshotVersion.set(snapshot.version());
    snapshotSize.set(snapshot.sizeBytes());
    lastSnapshot.set(snapshot.publishedAt().toEpochMilli() / 1000.0);
  }

  @Override
  public void consumerLag(int partition, long records) {
    if (partition < 0)
      throw new IllegalArgumentException("partition must be >= 0, got " + partition);
    if (records < 0) throw new IllegalArgumentException("records must be >= 0, got " + records);
    consumerLag.labelValues(Integer.toString(partition)).set(records);
  }

  private static Gauge gauge(PrometheusRegistry registry, String name, String help) {
    return Gauge.builder().name(name).help(help).register(registry);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static void requirePositive(Duration d, String field) {
    if (d == null || d.isNegative() || d.isZero())
      throw new IllegalArgumentException(field + " must be a positive duration, got " + d);
  }
}
