package io.dpstream.cli;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.stream.TrainedStep;
import java.util.Locale;

/** One progress line per trained step, on stdout. */
final class StepLine {
  private StepLine() {}

  static String format(TrainedStep s) {
    PrivacyMetrics m = s.metrics();
    return String.format(
        Locale.ROOT,
        "step %6d | users charged %7d | sampled %6d | max eps %.3f / %.3g | exhausted %6d | snapshot v%d%s",
        s.step(),
        m.getUsersCharged(),
        m.getUsersSampled(),
        m.getMaxUserEpsilon(),
        m.getEpsilonCap(),
        m.getUsersExhausted(),
        s.snapshotVersion(),
        s.complete() ? "" : " (partial: " + m.getGatePartitionsReported() + "/" + m.getGatePartitions() + " partitions)");
  }

  static void print(TrainedStep s) {
    System.out.println(format(s));
    System.out.flush();
  }
}
