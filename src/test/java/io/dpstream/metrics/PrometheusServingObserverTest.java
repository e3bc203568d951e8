package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.ServingObserver.Rejection;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrometheusServingObserverTest {
  private static final PrivacyStatement PRIVACY =
      new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 2.0, 0.001, 0.5, 7);

  private final SettableClock clock = new SettableClock(1_700_000_100_000L);
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusServingObserver observer = new PrometheusServingObserver(registry, clock);

  private static ModelSnapshot snapshot(long version, Instant time) {
    return ModelSnapshot.of("m", version, version * 10, time, "fake:sum:2", new byte[] {1}, PRIVACY);
  }

  @Test
  void beforeAnySnapshotTheCountersAreZeroAndTheSnapshotGaugesAbsent() {
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(0, text.value("dpstream_serve_snapshots_loaded_total"));
    assertEquals(0, text.value("dpstream_serve_snapshot_load_failures_total"));
    assertEquals(0, text.value("dpstream_serve_rows_predicted_total"));
    for (Rejection r : Rejection.values())
      assertEquals(0, text.value("dpstream_serve_requests_rejected_total", "reason", r.label()));
    // absent rather than a made-up zero: an age alert must not fire on "version 0, age 0"
    assertFalse(text.has("dpstream_serve_snapshot_version"));
    assertFalse(text.has("dpstream_serve_snapshot_age_seconds"));
  }

  @Test
  void countsRequestsByEndpointAndStatusAndTimesThem() {
    observer.requestAnswered("predict", 200, 0.003);
    observer.requestAnswered("predict", 200, 0.2);
    observer.requestAnswered("predict", 413, 0.0001);
    observer.requestAnswered("health", 503, 0.0002);
    // an endpoint the server never names is folded into "other": labels stay bounded
    observer.requestAnswered("/etc/passwd", 404, 0.0001);
    observer.rowsPredicted(3);
    observer.rowsPredicted(4);

    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals("counter", text.types().get("dpstream_serve_requests_total"));
    assertEquals(2, text.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "200"));
    assertEquals(1, text.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "413"));
    assertEquals(1, text.value("dpstream_serve_requests_total", "endpoint", "health", "status", "503"));
    assertEquals(1, text.value("dpstream_serve_requests_total", "endpoint", "other", "status", "404"));
    assertEquals("histogram", text.types().get("dpstream_serve_request_duration_seconds"));
    assertEquals(3, text.value("dpstream_serve_request_duration_seconds_count", "endpoint", "predict"));
    assertEquals(0.2031, text.value("dpstream_serve_request_duration_seconds_sum", "endpoint", "predict"), 1e-9);
    assertEquals(2, text.value("dpstream_serve_request_duration_seconds_bucket", "endpoint", "predict", "le", "0.005"));
    assertEquals(3, text.value("dpstream_serve_request_duration_seconds_bucket", "endpoint", "predict", "le", "0.25"));
    assertEquals(7, text.value("dpstream_serve_rows_predicted_total"));
  }

  @Test
  void countsRejectionsByReason() {
    observer.requestRejected(Rejection.MALFORMED);
    observer.requestRejected(Rejection.MALFORMED);
    observer.requestRejected(Rejection.TOO_MANY_ROWS);
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(2, text.value("dpstream_serve_requests_rejected_total", "reason", "malformed"));
    assertEquals(1, text.value("dpstream_serve_requests_rejected_total", "reason", "too_many_rows"));
    assertEquals(0, text.value("dpstream_serve_requests_rejected_total", "reason", "body_too_large"));
  }

  @Test
  void theServedVersionAndItsAgeFollowLoadsAndTheClock() {
    Instant made = Instant.ofEpochMilli(clock.millis() - 42_500);
    observer.snapshotLoaded(snapshot(3, made));
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(3, text.value("dpstream_serve_snapshot_version"));
    assertEquals(42.5, text.value("dpstream_serve_snapshot_age_seconds"));
    assertEquals(1, text.value("dpstream_serve_snapshots_loaded_total"));

    // the age grows at scrape time while nothing newer is loaded
    clock.advance(60_000);
    assertEquals(102.5, ExpositionText.scrape(registry).value("dpstream_serve_snapshot_age_seconds"));

    // a failed load counts and leaves the served version alone
    observer.snapshotLoadFailed(snapshot(4, Instant.ofEpochMilli(clock.millis())));
    text = ExpositionText.scrape(registry);
    assertEquals(1, text.value("dpstream_serve_snapshot_load_failures_total"));
    assertEquals(3, text.value("dpstream_serve_snapshot_version"));

    observer.snapshotLoaded(snapshot(5, Instant.ofEpochMilli(clock.millis() - 1_000)));
    text = ExpositionText.scrape(registry);
    assertEquals(5, text.value("dpstream_serve_snapshot_version"));
    assertEquals(1.0, text.value("dpstream_serve_snapshot_age_seconds"));
    assertEquals(2, text.value("dpstream_serve_snapshots_loaded_total"));
  }

  @Test
  void badFiguresNeverThrowIntoTheRequestPath() {
    observer.requestAnswered("predict", 200, -1);
    observer.requestAnswered("predict", 200, Double.POSITIVE_INFINITY);
    observer.rowsPredicted(0);
    observer.requestRejected(null);
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(2, text.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "200"));
    assertEquals(0, text.value("dpstream_serve_request_duration_seconds_count", "endpoint", "predict"));
    assertEquals(0, text.value("dpstream_serve_rows_predicted_total"));
  }

  @Test
  void refusesASecondRegistrationInTheSameRegistry() {
    assertThrows(IllegalArgumentException.class, () -> new PrometheusServingObserver(registry));
  }
}
