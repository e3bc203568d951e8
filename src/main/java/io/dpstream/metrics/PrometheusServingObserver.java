package io.dpstream.metrics;

import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.ServingObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;

/**
 * The prediction server's {@link ServingObserver} as Prometheus metrics, all named {@code
 * dpstream_serve_*} ({@code dpstream serve}).
 *
 * <p>Requests are counted by endpoint and status and timed by endpoint; refused requests are also
 * counted by reason. The snapshot gauges ({@code dpstream_serve_snapshot_version}, {@code
 * dpstream_serve_snapshot_age_seconds}) are absent until the first snapshot is loaded, so that an
 * alert on them stays quiet rather than compare against a made-up zero; "nothing served yet" is
 * what {@code /health/ready} and {@code dpstream_serve_snapshots_loaded_total} say. The age is
 * computed at scrape time: now minus the time the trainer made the snapshot ({@link
 * ModelSnapshot#time()}), so it keeps growing while no newer snapshot arrives.
 *
 * <p>Privacy: nothing here depends on training data; request counts depend on the clients'
 * traffic. Labels are bounded: four endpoints, the statuses the server sends, the fixed {@link
 * ServingObserver.Rejection} reasons. Thread-safe; the recording methods are lock-free.
 */
public final class PrometheusServingObserver implements ServingObserver {
  private static final Set<String> ENDPOINTS = Set.of("predict", "health", "snapshot", "other");

  private final Clock clock;
  private final Counter requests;
  private final Histogram requestDuration;
  private final Counter rejected;
  private final Counter rowsPredicted;
  private final Counter snapshotsLoaded;
  private final Counter loadFailures;
  private volatile ModelSnapshot served;

  /**
   * Registers the serving metrics in {@code registry}.
   *
   * @throws IllegalArgumentException if the registry already holds serving metrics
   */
  public PrometheusServingObserver(PrometheusRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  /** As {@link #PrometheusServingObserver(PrometheusRegistry)} with a given clock (for the age). */
  public PrometheusServingObserver(PrometheusRegistry registry, Clock clock) {
    Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
    requests =
        Counter.builder()
            .name("dpstream_serve_requests_total")
            .help("HTTP requests answered, by endpoint (predict, health, snapshot, other) and status")
            .labelNames("endpoint", "status")
            .register(registry);
    requestDuration =
        Histogram.builder()
            .name("dpstream_serve_request_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Wall time from a request's arrival to the end of its answer, by endpoint")
            .labelNames("endpoint")
            .classicOnly()
            .classicUpperBounds(
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .withoutExemplars()
            .register(registry);
    for (String endpoint : ENDPOINTS) requestDuration.initLabelValues(endpoint);
    rejected =
        Counter.builder()
            .name("dpstream_serve_requests_rejected_total")
            .help("Requests refused without predictions, by reason (malformed, invalid_row, "
                + "body_too_large, too_many_rows, no_snapshot, method_not_allowed, not_found)")
            .labelNames("reason")
            .register(registry);
    for (Rejection r : Rejection.values()) rejected.initLabelValues(r.label());
    rowsPredicted =
        Counter.builder()
            .name("dpstream_serve_rows_predicted_total")
            .help("Rows answered with a prediction by POST /predict")
            .register(registry);
    snapshotsLoaded =
        Counter.builder()
            .name("dpstream_serve_snapshots_loaded_total")
            .help("Snapshots whose model was built and swapped in")
            .register(registry);
    loadFailures =
        Counter.builder()
            .name("dpstream_serve_snapshot_load_failures_total")
            .help("Snapshots whose model could not be built (the previous one kept serving)")
            .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_serve_snapshot_version")
        .help("Version of the snapshot being served (absent before the first)")
        .callback(cb -> {
          ModelSnapshot s = served;
          if (s != null) cb.call(s.version());
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("dpstream_serve_snapshot_age_seconds")
        .unit(Unit.SECONDS)
        .help("Now minus the time the trainer made the snapshot being served (absent before the first)")
        .callback(cb -> {
          ModelSnapshot s = served;
          if (s != null) cb.call((clock.millis() - s.time().toEpochMilli()) / 1000.0);
        })
        .register(registry);
  }

  @Override
  public void requestAnswered(String endpoint, int status, double seconds) {
    // never throw into the request path: an unexpected endpoint is "other", a bad time is skipped
    String label = ENDPOINTS.contains(endpoint) ? endpoint : "other";
    requests.labelValues(label, Integer.toString(status)).inc();
    if (seconds >= 0 && !Double.isInfinite(seconds))
      requestDuration.labelValues(label).observe(seconds);
  }

  @Override
  public void requestRejected(Rejection reason) {
    if (reason != null) rejected.labelValues(reason.label()).inc();
  }

  @Override
  public void rowsPredicted(int rows) {
    if (rows > 0) rowsPredicted.inc(rows);
  }

  @Override
  public void snapshotLoaded(ModelSnapshot snapshot) {
    snapshotsLoaded.inc();
    served = snapshot;
  }

  @Override
  public void snapshotLoadFailed(ModelSnapshot snapshot) {
    loadFailures.inc();
  }
}
