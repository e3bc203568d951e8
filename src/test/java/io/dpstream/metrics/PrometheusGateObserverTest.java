package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrometheusGateObserverTest {
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusGateObserver observer =
      new PrometheusGateObserver(registry, 8.0, 1e-6, CLOCK);

  /** Ten bucket counts: one per bound of EPSILON_BUCKET_UPPER_BOUNDS plus the overflow bucket. */
  private static List<Long> buckets(long... counts) {
    List<Long> list = new ArrayList<>();
    for (long c : counts) list.add(c);
    return list;
  }

  private static StepClosed step(
      int partition, long step, long nearCap, long exhausted, double maxEps, List<Long> buckets) {
    return new StepClosed(partition, step, 50, 40, 4, nearCap, exhausted, maxEps, buckets, 0.02);
  }

  @Test
  void countsEveryOutcomeByKindAndStartsThemAtZero() {
    ExpositionText before = ExpositionText.scrape(registry);
    for (String outcome : List.of("admitted", "dropped_budget", "dead_lettered"))
      assertEquals(0, before.value("dpstream_gate_records_total", "outcome", outcome));
    assertEquals("counter", before.types().get("dpstream_gate_records_total"));

    observer.admitted();
    observer.admitted();
    observer.admitted();
    observer.droppedForBudget();
    observer.deadLettered("schema_mismatch");
    observer.deadLettered("schema_mismatch");
    observer.deadLettered("missing_user_id");

    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(3, text.value("dpstream_gate_records_total", "outcome", "admitted"));
    assertEquals(1, text.value("dpstream_gate_records_total", "outcome", "dropped_budget"));
    assertEquals(3, text.value("dpstream_gate_records_total", "outcome", "dead_lettered"));
    assertEquals(2, text.value("dpstream_gate_dead_letters_total", "reason", "schema_mismatch"));
    assertEquals(1, text.value("dpstream_gate_dead_letters_total", "reason", "missing_user_id"));
  }

  @Test
  void deadLetterReasonsStayABoundedLabelSet() {
    for (int i = 0; i < 3 * PrometheusGateObserver.MAX_REASONS; i++) observer.deadLettered("r" + i);
    observer.deadLettered("User 42 sent garbage!"); // not label-shaped: never a label value
    observer.deadLettered(null);

    ExpositionText text = ExpositionText.scrape(registry);
    Set<String> reasons = labelValues(text, "dpstream_gate_dead_letters_total", "reason");
    assertEquals(PrometheusGateObserver.MAX_REASONS + 1, reasons.size(), reasons.toString());
    assertTrue(reasons.contains("other"));
    assertFalse(reasons.stream().anyMatch(r -> r.contains(" ")));
    assertEquals(
        2 * PrometheusGateObserver.MAX_REASONS + 2,
        text.value("dpstream_gate_dead_letters_total", "reason", "other"));
  }

  @Test
  void sumsTheLatestStateOfEachPartition() {
    observer.stepClosed(step(0, 7, 3, 1, 7.5, buckets(10, 5, 0, 0, 0, 0, 0, 0, 2, 1)));
    observer.stepClosed(step(1, 7, 2, 0, 3.0, buckets(1, 1, 1, 1, 1, 1, 1, 0, 0, 0)));
    // partition 0 closes the next step: replaces its state, is not added to it
    observer.stepClosed(step(0, 8, 4, 2, 7.9, buckets(9, 5, 1, 0, 0, 0, 0, 0, 1, 2)));

    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(6, text.value("dpstream_gate_users_near_cap"));
    assertEquals(2, text.value("dpstream_gate_users_exhausted"));
    assertEquals(7.9, text.value("dpstream_gate_user_epsilon_max"));
    assertEquals(100, text.value("dpstream_gate_users_pooled"));
    assertEquals(80, text.value("dpstream_gate_step_users_charged"));
    assertEquals(8, text.value("dpstream_gate_step_users_sampled"));
    assertEquals(8, text.value("dpstream_gate_step"));
    assertEquals(2, text.value("dpstream_gate_partitions_reporting"));
    assertEquals(3, text.value("dpstream_gate_steps_closed_total"));
    assertEquals(120, text.value("dpstream_gate_user_charges_total"));
    assertEquals(1_700_000_000, text.value("dpstream_gate_last_step_close_timestamp_seconds"));
    assertEquals(8.0, text.value("dpstream_gate_epsilon_cap"));
    assertEquals(1e-6, text.value("dpstream_gate_delta"));
  }

  @Test
  void exposesTheEpsilonDistributionAsACumulativeGaugeHistogram() {
    observer.stepClosed(step(0, 1, 0, 0, 20, buckets(10, 5, 0, 0, 0, 0, 0, 0, 2, 1)));
    observer.stepClosed(step(1, 1, 0, 0, 3.0, buckets(1, 1, 1, 1, 1, 1, 1, 0, 0, 0)));

    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals("histogram", text.types().get("dpstream_gate_user_epsilon"));
    // per-bucket sums: 11 6 1 1 1 1 1 0 2 1, cumulative over le
    long[] cumulative = {11, 17, 18, 19, 20, 21, 22, 22, 24, 25};
    List<Double> bounds = StepClosed.EPSILON_BUCKET_UPPER_BOUNDS;
    for (int i = 0; i < bounds.size(); i++)
      assertEquals(
          cumulative[i],
          text.value("dpstream_gate_user_epsilon_bucket", "le", le(text, bounds.get(i))),
          "le=" + bounds.get(i));
    assertEquals(25, text.value("dpstream_gate_user_epsilon_bucket", "le", "+Inf"));
    assertEquals(25, text.value("dpstream_gate_user_epsilon_gcount"));
    assertEquals(25, text.value("dpstream_gate_ledger_users"));
    // a gauge histogram has no ever-growing _count/_sum a rate() could be taken of
    assertFalse(text.has("dpstream_gate_user_epsilon_count"));
  }

  @Test
  void countsOnlyNewExhaustionsAfterAPartitionsFirstReport() {
    observer.stepClosed(step(0, 1, 0, 40, 8, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    assertEquals(0, ExpositionText.scrape(registry).value("dpstream_gate_budget_exhaustions_total"));
    observer.stepClosed(step(0, 2, 0, 43, 8, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    observer.stepClosed(step(1, 2, 0, 5, 8, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    observer.stepClosed(step(1, 3, 0, 7, 8, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    // a decrease (ledger entries expired) is not negative exhaustion
    observer.stepClosed(step(0, 3, 0, 30, 8, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    assertEquals(5, ExpositionText.scrape(registry).value("dpstream_gate_budget_exhaustions_total"));
  }

  @Test
  void leavesReleasedAndStalePartitionsOutOfTheSums() {
    observer.stepClosed(step(0, 100, 1, 0, 1, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    observer.stepClosed(step(1, 100, 10, 0, 1, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    observer.stepClosed(step(2, 100 - PrometheusGateObserver.STALE_AFTER_STEPS - 1, 100, 0, 1,
        buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    assertEquals(11, ExpositionText.scrape(registry).value("dpstream_gate_users_near_cap"));

    observer.partitionReleased(1);
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(1, text.value("dpstream_gate_users_near_cap"));
    assertEquals(1, text.value("dpstream_gate_partitions_reporting"));
  }

  @Test
  void recordsStepCloseDurationInSeconds() {
    observer.stepClosed(new StepClosed(0, 1, 0, 0, 0, 0, 0, 0, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0.004));
    observer.stepClosed(new StepClosed(0, 2, 0, 0, 0, 0, 0, 0, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0.3));
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals("histogram", text.types().get("dpstream_gate_step_close_duration_seconds"));
    assertEquals(2, text.value("dpstream_gate_step_close_duration_seconds_count"));
    assertEquals(0.304, text.value("dpstream_gate_step_close_duration_seconds_sum"), 1e-12);
    assertEquals(1, text.value("dpstream_gate_step_close_duration_seconds_bucket", "le", "0.005"));
    assertEquals(2, text.value("dpstream_gate_step_close_duration_seconds_bucket", "le", "0.5"));
  }

  @Test
  void aMalformedStepSummaryNeverThrowsIntoTheGate() {
    observer.stepClosed(new StepClosed(0, 1, 0, -1, 0, 0, 0, 0, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Double.NaN));
    observer.stepClosed(new StepClosed(0, 2, 0, 3, 0, 0, 0, 0, buckets(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), -1));
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(2, text.value("dpstream_gate_steps_closed_total"));
    assertEquals(3, text.value("dpstream_gate_user_charges_total"));
    assertEquals(0, text.value("dpstream_gate_step_close_duration_seconds_count"));
  }

  @Test
  void beforeAnyStepThePerUserGaugesAreAbsentNotZero() {
    // absent, so that alerts on them stay quiet rather than compare against a made-up zero
    ExpositionText text = ExpositionText.scrape(registry);
    assertFalse(text.has("dpstream_gate_users_exhausted"));
    assertFalse(text.has("dpstream_gate_user_epsilon_gcount"));
    assertEquals(0, text.value("dpstream_gate_partitions_reporting"));
  }

  @Test
  void everyDpstreamSeriesFollowsTheNamingConventionsAndHasNoPerUserLabel() {
    observer.admitted();
    observer.deadLettered("bad_key");
    observer.stepClosed(step(0, 1, 0, 0, 1, buckets(1, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
    ExpositionText text = ExpositionText.scrape(registry);
    Set<String> labelNames = new TreeSet<>();
    Pattern labelName = Pattern.compile("([a-z_]+)=\"");
    for (String series : text.samples().keySet()) {
      assertTrue(series.startsWith("dpstream_gate_"), series);
      Matcher m = labelName.matcher(series);
      while (m.find()) labelNames.add(m.group(1));
    }
    assertEquals(Set.of("le", "outcome", "reason"), labelNames);
    text.types().forEach((name, type) -> {
      if (type.equals("counter")) assertTrue(name.endsWith("_total"), name);
      else assertFalse(name.endsWith("_total"), name);
    });
  }

  @Test
  void rejectsAnImpossiblePolicy() {
    PrometheusRegistry r = new PrometheusRegistry();
    assertThrows(IllegalArgumentException.class, () -> new PrometheusGateObserver(r, 0, 1e-6));
    assertThrows(IllegalArgumentException.class,
        () -> new PrometheusGateObserver(r, Double.POSITIVE_INFINITY, 1e-6));
    assertThrows(IllegalArgumentException.class, () -> new PrometheusGateObserver(r, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new PrometheusGateObserver(r, 1, -0.1));
  }

  @Test
  void countsExactlyUnderConcurrentStreamThreads() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int partition = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            observer.admitted();
            if (i % 10 == 0) observer.deadLettered("reason_" + (i % 3));
            if (i % 1000 == 0)
              observer.stepClosed(step(partition, i / 1000, 1, 0, 1, buckets(1, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
            if (i % 500 == 0) ExpositionText.scrape(registry); // scrapes race the updates
          }
        }));
      }
      for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    ExpositionText text = ExpositionText.scrape(registry);
    assertEquals(threads * perThread, text.value("dpstream_gate_records_total", "outcome", "admitted"));
    assertEquals(threads * perThread / 10, text.value("dpstream_gate_records_total", "outcome", "dead_lettered"));
    double byReason = 0;
    for (int r = 0; r < 3; r++)
      byReason += text.value("dpstream_gate_dead_letters_total", "reason", "reason_" + r);
    assertEquals(threads * perThread / 10, byReason);
    assertEquals(threads * (perThread / 1000), text.value("dpstream_gate_steps_closed_total"));
    assertEquals(threads, text.value("dpstream_gate_users_near_cap"));
  }

  @Test
  void refusesASecondGateObserverOnTheSameRegistry() {
    // two observers would silently split the counts; one registry holds one gate's metrics
    assertThrows(IllegalArgumentException.class, () -> new PrometheusGateObserver(registry, 8, 1e-6));
  }

  /** The le label text the writer uses for a bound (e.g. "1.0"). */
  private static String le(ExpositionText text, double bound) {
    for (String series : text.samples().keySet()) {
      Matcher m = Pattern.compile("dpstream_gate_user_epsilon_bucket\\{le=\"([^\"]+)\"}").matcher(series);
      if (m.matches() && !m.group(1).equals("+Inf") && Double.parseDouble(m.group(1)) == bound)
        return m.group(1);
    }
    throw new AssertionError("no bucket le=" + bound + " in\n" + text.text());
  }

  private static Set<String> labelValues(ExpositionText text, String name, String label) {
    Set<String> values = new TreeSet<>();
    Pattern p = Pattern.compile(Pattern.quote(name) + "\\{.*" + label + "=\"([^\"]*)\".*}");
    for (String series : text.samples().keySet()) {
      Matcher m = p.matcher(series);
      if (m.matches()) values.add(m.group(1));
    }
    return values;
  }
}
