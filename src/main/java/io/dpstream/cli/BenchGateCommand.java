package io.dpstream.cli;

import io.dpstream.bench.GateThroughputBenchmark;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dpstream bench gate}: gate throughput against a Kafka Streams pass-through, and step close time. */
@Command(
    name = "gate",
    mixinStandardHelpOptions = true,
    description = {
      "Run the gate and a byte-array pass-through Kafka Streams topology (both exactly_once_v2, one thread) "
          + "over the same records on one embedded broker, then close one step over every pooled user.",
      "Prints gate and pass-through records/s, their ratio, and the step close time."
    })
public final class BenchGateCommand implements Callable<Integer> {
  @Option(names = "--records", defaultValue = "1000000", description = "Records per run (default ${DEFAULT-VALUE}).")
  long records;

  @Option(names = "--features", defaultValue = "16", description = "Dense features per record (default ${DEFAULT-VALUE}).")
  int features;

  @Option(names = "--users", description = "Distinct users (default: one per record, so the step closes over N users).")
  Long users;

  @Option(
      names = "--step-cap",
      defaultValue = "1000",
      description = "Steps a user may take (default ${DEFAULT-VALUE}: nobody exhausts; 1: the close exhausts every pooled user).")
  long stepCap;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    long u = users == null ? records : users;
    GateThroughputBenchmark.Result r = GateThroughputBenchmark.run(records, features, u, stepCap, System.err);
    if (json) {
      System.out.printf(
          Locale.ROOT,
          "{\"gate_records_per_second\":%.1f,\"passthrough_records_per_second\":%.1f,\"ratio\":%.4f,"
              + "\"gate_cpu_us_per_record\":%.2f,\"passthrough_cpu_us_per_record\":%.2f,\"cpu_ratio\":%.4f,"
              + "\"step_close_seconds\":%.3f,\"step_close_cpu_seconds\":%.3f,\"step_close_committed_seconds\":%.3f,\"pooled_users\":%d,\"users_exhausted\":%d,"
              + "\"records\":%d,\"features\":%d,\"users\":%d}%n",
          r.gateRecordsPerSecond(), r.passthroughRecordsPerSecond(), r.ratio(),
          r.gateCpuMicrosPerRecord(), r.passthroughCpuMicrosPerRecord(), r.cpuRatio(), r.stepCloseSeconds(),
          r.stepCloseCpuSeconds(), r.stepCloseCommittedSeconds(), r.pooledUsers(), r.usersExhausted(), r.records(), r.features(), r.users());
    } else {
      System.out.printf(
          Locale.ROOT,
          "gate:         %,.0f records/s (%.1f µs of process CPU per record)%n"
              + "pass-through: %,.0f records/s (%.1f µs of process CPU per record)%nratio:        %.2f (by CPU: %.2f)%n"
              + "step close:   %.3f s (%.3f s of CPU) over %,d pooled users, %,d exhausted (%.3f s until its marker was committed)%n",
          r.gateRecordsPerSecond(), r.gateCpuMicrosPerRecord(), r.passthroughRecordsPerSecond(),
          r.passthroughCpuMicrosPerRecord(), r.ratio(), r.cpuRatio(), r.stepCloseSeconds(),
          r.stepCloseCpuSeconds(), r.pooledUsers(), r.usersExhausted(), r.stepCloseCommittedSeconds());
    }
    return 0;
  }
}
