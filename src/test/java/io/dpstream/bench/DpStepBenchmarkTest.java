package io.dpstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.ModelSpec;
import org.junit.jupiter.api.Test;

class DpStepBenchmarkTest {

  private static DpStepBenchmark.Settings settings(int warmup, double warmupSeconds) {
    return new DpStepBenchmark.Settings(ModelSpec.parse("logreg:20-3"), "logreg:20-3", 8, 1, 2,
        warmup, warmupSeconds, DeviceChoice.CPU);
  }

  /** Warm-up lasts for the steps asked for and, where it is longer, the time asked for. */
  @Test
  void warmUpRunsForTheLongerOfItsStepsAndItsTime() {
    assertEquals(3, DpStepBenchmark.run(settings(3, 0)).warmupSteps());
    long start = System.nanoTime();
    DpStepBenchmark.Result timed = DpStepBenchmark.run(settings(1, 0.5));
    assertTrue(System.nanoTime() - start >= 500_000_000L, "ran for the time floor");
    // a step pair of this model takes well under 50 ms
    assertTrue(timed.warmupSteps() > 10, "warm-up steps " + timed.warmupSteps());
  }

  @Test
  void refusesNegativeWarmUp() {
    assertThrows(IllegalArgumentException.class, () -> settings(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> settings(0, -1));
    assertThrows(IllegalArgumentException.class, () -> settings(0, Double.NaN));
  }
}
