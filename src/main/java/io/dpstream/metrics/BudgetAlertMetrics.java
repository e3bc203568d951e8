package io.dpstream.metrics;

import io.dpstream.avro.BudgetAlertKind;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code dpstream alerts} saw on the budget-alerts topic, as Prometheus metrics named {@code
 * dpstream_alerts_*}: alerts read by kind, unreadable records skipped, and the time of the latest
 * alert (the time the gate raised it, carried in the alert; absent before the first alert).
 *
 * <p>Privacy: alert counts depend on private data (how many users near or exhaust their budget),
 * like the gate's metrics; no metric has a per-user label. Thread-safe.
 */
public final class BudgetAlertMetrics {
  private final Counter seen;
  private final Counter unreadable;
  private final AtomicLong latestMillis = new AtomicLong(Long.MIN_VALUE);

  /**
   * Registers the alert metrics in {@code registry}.
   *
   * @throws IllegalArgumentException if the registry already holds them
   */
  public BudgetAlertMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    seen =
        Counter.builder()
            .name("dpstream_alerts_seen_total")
            .help("Budget alerts read from budget-alerts, by kind (warning, exhausted)")
            .labelNames("kind")
            .register(registry);
    for (BudgetAlertKind kind : BudgetAlertKind.values()) seen.initLabelValues(label(kind));
    unreadable =
        Counter.builder()
            .name("dpstream_alerts_unreadable_total")
            .help("Records on budget-alerts that could not be decoded (skipped)")
            .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_alerts_last_alert_timestamp_seconds")
        .unit(Unit.SECONDS)
        .help("Unix time of the latest alert read, as the gate stamped it (absent before the first)")
        .callback(cb -> {
          long t = latestMillis.get();
          if (t != Long.MIN_VALUE) cb.call(t / 1000.0);
        })
        .register(registry);
  }

  /**
   * An alert was read.
   *
   * @param kind what the user crossed
   * @param time when the gate raised the alert; the gauge keeps the latest time seen, so replaying
   *     old alerts ({@code --from-beginning}) never moves it backwards
   */
  public void alertSeen(BudgetAlertKind kind, Instant time) {
    String label = label(Objects.requireNonNull(kind, "kind"));
    long millis = Objects.requireNonNull(time, "time").toEpochMilli();
    // the time first: a scrape that sees the alert counted must also see its time
    latestMillis.accumulateAndGet(millis, Math::max);
    seen.labelValues(label).inc();
  }

  /** A record on the topic could not be decoded and was skipped. */
  public void unreadableAlert() {
    unreadable.inc();
  }

  private static String label(BudgetAlertKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }
}
