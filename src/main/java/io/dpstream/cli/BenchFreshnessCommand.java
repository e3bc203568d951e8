package io.dpstream.cli;

import io.dpstream.bench.FreshnessBenchmark;
import io.dpstream.bench.FreshnessBenchmark.Latency;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dpstream bench freshness}: append-to-snapshot latency against plain Kafka delivery. */
@Command(
    name = "freshness",
    mixinStandardHelpOptions = true,
    description = {
      "Stream synthetic records at a steady rate through gate and trainer on one embedded broker and "
          + "measure, per record, the time from its append to training-records until a snapshot "
          + "follower holds the first snapshot that includes the step it was trained in.",
      "Prints p50/p99 freshness, its breakdown (until the step closed; close to snapshot) and, as "
          + "the baseline measured side by side, plain Kafka delivery of the same records."
    })
public final class BenchFreshnessCommand implements Callable<Integer> {
  @Option(names = "--rate", defaultValue = "200", description = "Records per second (default ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--seconds", defaultValue = "30", description = "How long to produce (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--step-period", defaultValue = "1s",
      description = "The gate's step period, e.g. 500ms or 1s (default ${DEFAULT-VALUE}).")
  String stepPeriod;

  @Option(names = "--snapshot-every", defaultValue = "1",
      description = "A snapshot every this many steps (default ${DEFAULT-VALUE}).")
  int snapshotEvery;

  @Option(names = "--q", defaultValue = "0.5", description = "Sampling rate (default ${DEFAULT-VALUE}).")
  double q;

  @Option(names = "--features", defaultValue = "16", description = "Dense features per record (default ${DEFAULT-VALUE}).")
  int features;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Duration period = io.dpstream.config.Settings.parseDuration(stepPeriod);
    FreshnessBenchmark.Result r =
        FreshnessBenchmark.run(
            new FreshnessBenchmark.Setup(rate, seconds, period, snapshotEvery, q, features), System.err);
    if (json) {
      System.out.printf(
          Locale.ROOT,
          "{\"freshness_p50_ms\":%.0f,\"freshness_p99_ms\":%.0f,\"freshness_max_ms\":%.0f,"
              + "\"until_step_closed_p50_ms\":%.0f,\"until_step_closed_p99_ms\":%.0f,"
              + "\"close_to_snapshot_p50_ms\":%.0f,\"close_to_snapshot_p99_ms\":%.0f,"
              + "\"kafka_delivery_p50_ms\":%.0f,\"kafka_delivery_p99_ms\":%.0f,\"ratio_p50\":%.1f,"
              + "\"records_produced\":%d,\"records_measured\":%d,\"rate\":%.1f,\"step_period_ms\":%d,"
              + "\"snapshot_every_steps\":%d,\"q\":%.3f}%n",
          r.freshness().p50(), r.freshness().p99(), r.freshness().max(),
          r.untilStepClosed().p50(), r.untilStepClosed().p99(),
          r.closeToSnapshot().p50(), r.closeToSnapshot().p99(),
          r.kafkaDelivery().p50(), r.kafkaDelivery().p99(), r.ratio(),
          r.produced(), r.measured(), rate, period.toMillis(), snapshotEvery, q);
    } else {
      System.out.printf(
          Locale.ROOT,
          "freshness (append -> snapshot held):  %s%n"
              + "  append -> step closed:            %s%n"
              + "  step closed -> snapshot held:     %s%n"
              + "plain Kafka delivery (baseline):    %s%n"
              + "ratio (p50 freshness / p50 delivery): %.1f  (%d of %d records measured: the sampled ones)%n",
          line(r.freshness()), line(r.untilStepClosed()), line(r.closeToSnapshot()),
          line(r.kafkaDelivery()), r.ratio(), r.measured(), r.produced());
    }
    return r.measured() > 0 ? 0 : 1;
  }

  private static String line(Latency l) {
    return String.format(Locale.ROOT, "p50 %.0f ms, p99 %.0f ms, max %.0f ms", l.p50(), l.p99(), l.max());
  }
}
