package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.dpstream.avro.BudgetAlertKind;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BudgetAlertMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final BudgetAlertMetrics metrics = new BudgetAlertMetrics(registry);

  @Test
  void startsAtZeroForEveryKindWithoutALatestTime() {
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(0, text.value("dpstream_alerts_seen_total", "kind", "warning"));
    assertEquals(0, text.value("dpstream_alerts_seen_total", "kind", "exhausted"));
    assertEquals(0, text.value("dpstream_alerts_unreadable_total"));
    assertFalse(text.has("dpstream_alerts_last_alert_timestamp_seconds"));
  }

  @Test
  void countsAlertsByKindAndKeepsTheLatestAlertTime() {
    metrics.alertSeen(BudgetAlertKind.WARNING, Instant.ofEpochMilli(1_700_000_010_500L));
    metrics.alertSeen(BudgetAlertKind.EXHAUSTED, Instant.ofEpochMilli(1_700_000_020_000L));
    // an older alert (a replay) counts but does not move the latest time back
    metrics.alertSeen(BudgetAlertKind.WARNING, Instant.ofEpochMilli(1_700_000_000_000L));
    metrics.unreadableAlert();
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals("counter", text.types().get("dpstream_alerts_seen_total"));
    assertEquals(2, text.value("dpstream_alerts_seen_total", "kind", "warning"));
    assertEquals(1, text.value("dpstream_alerts_seen_total", "kind", "exhausted"));
    assertEquals(1, text.value("dpstream_alerts_unreadable_total"));
    assertEquals(1_700_000_020.0, text.value("dpstream_alerts_last_alert_timestamp_seconds"));
  }
}
