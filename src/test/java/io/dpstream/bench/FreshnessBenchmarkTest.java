package io.dpstream.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.io.OutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A short freshness run on the real embedded broker, gate and trainer. */
class FreshnessBenchmarkTest {

  @Test
  void everySampledRecordReachesASnapshotAfterItsStepCloses() throws Exception {
    FreshnessBenchmark.Setup setup =
        new FreshnessBenchmark.Setup(50, 3, Duration.ofMillis(500), 1, 1.0, 4);
    FreshnessBenchmark.Result r =
        FreshnessBenchmark.run(setup, new PrintStream(OutputStream.nullOutputStream()));

    assertTrue(r.produced() == 150, r.toString());
    // q = 1: every record is sampled in its one eligible step (retention one step), unless the
    // gate skipped that step because it overran its period on a loaded machine; some always get
    // through.
    assertTrue(r.measured() > 0 && r.measured() <= r.produced(), r.toString());
    // Per record, freshness = (until its step closed) + (close until the snapshot is held), both
    // >= 0; so every quantile of freshness is at least that of the wait.
    assertTrue(r.untilStepClosed().p50() >= 0, r.toString());
    assertTrue(r.closeToSnapshot().p50() >= 0, r.toString());
    assertTrue(r.freshness().p50() >= r.untilStepClosed().p50(), r.toString());
    assertTrue(r.freshness().p99() >= r.freshness().p50(), r.toString());
    assertTrue(r.freshness().max() < 60_000, r.toString());
    assertTrue(r.kafkaDelivery().count() == r.produced(), r.toString());
  }

  @Test
  void badSetupsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new FreshnessBenchmark.Setup(0, 3, Duration.ofSeconds(1), 1, 0.5, 4));
    assertThrows(IllegalArgumentException.class,
        () -> new FreshnessBenchmark.Setup(10, 3, Duration.ofSeconds(1), 1, 1.5, 4));
  }
}
