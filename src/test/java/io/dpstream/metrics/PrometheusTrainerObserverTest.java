package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PrometheusTrainerObserverTest {
  private final SettableClock clock = new SettableClock(1_700_000_000_000L);
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTrainerObserver observer =
      new PrometheusTrainerObserver(registry, Duration.ofSeconds(30), Duration.ofMinutes(5), clock);

  @Test
  void startsTheStalenessClocksAtCreationSoAStuckTrainerStillAlerts() {
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(1_700_000_000, text.value("dpstream_trainer_last_step_timestamp_seconds"));
    assertEquals(1_700_000_000, text.value("dpstream_trainer_last_snapshot_timestamp_seconds"));
    assertEquals(30, text.value("dpstream_trainer_expected_step_interval_seconds"));
    assertEquals(300, text.value("dpstream_trainer_expected_snapshot_interval_seconds"));
    assertEquals(0, text.value("dpstream_trainer_steps_total"));
    assertEquals(0, text.value("dpstream_trainer_snapshots_published_total"));
  }

  @Test
  void recordsSteps() {
    clock.advance(12_500);
    observer.stepTaken(new TrainerStep(41, 250, 0.8, 1.25));
    clock.advance(30_000);
    observer.stepTaken(new TrainerStep(42, 263, 1.2, 1.5));

    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals("counter", text.types().get("dpstream_trainer_steps_total"));
    assertEquals(2, text.value("dpstream_trainer_steps_total"));
    assertEquals(42, text.value("dpstream_trainer_step"));
    assertEquals(263, text.value("dpstream_trainer_step_users"));
    assertEquals(1.5, text.value("dpstream_trainer_model_epsilon"));
    assertEquals(1_700_000_042.5, text.value("dpstream_trainer_last_step_timestamp_seconds"));
    assertEquals(2, text.value("dpstream_trainer_step_duration_seconds_count"));
    assertEquals(2.0, text.value("dpstream_trainer_step_duration_seconds_sum"), 1e-12);
    assertEquals(1, text.value("dpstream_trainer_step_duration_seconds_bucket", "le", "1.0"));
    assertEquals(2, text.value("dpstream_trainer_step_duration_seconds_bucket", "le", "2.5"));
  }

  @Test
  void recordsSnapshots() {
    observer.snapshotPublished(
        new SnapshotPublished(7, 700, 1_234_567, Instant.ofEpochMilli(1_700_000_100_250L)));
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(1, text.value("dpstream_trainer_snapshots_published_total"));
    assertEquals(7, text.value("dpstream_trainer_snapshot_version"));
    assertEquals(1_234_567, text.value("dpstream_trainer_snapshot_size_bytes"));
    assertEquals(1_700_000_100.25, text.value("dpstream_trainer_last_snapshot_timestamp_seconds"));
  }

  @Test
  void recordsConsumerLagPerPartition() {
    observer.consumerLag(0, 10);
    observer.consumerLag(1, 250);
    observer.consumerLag(0, 3);
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(3, text.value("dpstream_trainer_consumer_lag_records", "partition", "0"));
    assertEquals(250, text.value("dpstream_trainer_consumer_lag_records", "partition", "1"));
    assertThrows(IllegalArgumentException.class, () -> observer.consumerLag(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> observer.consumerLag(0, -5));
  }

  @Test
  void counterNamesEndInTotalAndEveryNameHasThePrefix() {
    ExpositionText text = ExpositionText.scrape(registry);
    text.types().forEach((name, type) -> {
      assertTrue(name.startsWith("dpstream_trainer_"), name);
      assertEquals(type.equals("counter"), name.endsWith("_total"), name);
    });
  }

  @Test
  void refusesASecondTrainerObserverOnTheSameRegistry() {
    assertThrows(IllegalArgumentException.class,
        () -> new PrometheusTrainerObserver(registry, Duration.ofSeconds(1), Duration.ofSeconds(1)));
  }

  @Test
  void rejectsInvalidValuesNamingTheField() {
    PrometheusRegistry r = new PrometheusRegistry();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> new PrometheusTrainerObserver(r, Duration.ZERO, Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("expectedStepInterval"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TrainerStep(1, -1, 0, 0));
    assertTrue(e.getMessage().contains("users"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TrainerStep(1, 1, Double.NaN, 0));
    assertTrue(e.getMessage().contains("durationSeconds"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new SnapshotPublished(1, 1, -1, Instant.EPOCH));
    assertTrue(e.getMessage().contains("sizeBytes"), e.getMessage());
  }
}
