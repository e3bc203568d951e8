package io.dpstream.cli;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.stream.TrainedStep;
import java.util.Locale;

/**
 * One progress line per trained step, on stdout. The counts and the loss depend on private data:
 * like the metrics endpoint, the line is for operators, not a DP output.
 */
final class StepLine {
  private StepLine() {}

  static String format(TrainedStep s) {
    PrivacyMetrics m = s.metrics();
    return String.format(
        Locale.ROOT,
        "step %6d | users charged %7d | sampled %6d | loss %.4f | max eps %.3f / %.3g | exhausted %6d | snapshot v%d%s",
        s.step(),
        m.getUsersCharged(),
        m.getUsersSampled(),
        s.result().meanLoss(),
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
