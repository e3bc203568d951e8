package io.dpstream.cli;

import io.dpstream.bench.DpStepBenchmark;
import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpstream bench step}: DP-SGD step against the non-private step of the same model,
 * alternated in one run. Prints examples per second, their ratio, and each step's peak native
 * memory.
 */
@Command(
    name = "step",
    mixinStandardHelpOptions = true,
    description = "Throughput and peak memory of the DP-SGD step vs the non-private step.")
final class BenchStepCommand implements Callable<Integer> {

  static final String MMAP_THRESHOLD = "MALLOC_MMAP_THRESHOLD_";

  @Option(names = "--model", required = true,
      description = "Model spec, e.g. mlp:784-1000-10, logreg:784-10, cnn:mnist, or JSON.")
  String model;

  @Option(names = "--batch", defaultValue = "256", description = "Users per step (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--records-per-user", defaultValue = "1",
      description = "Records each user contributes (default ${DEFAULT-VALUE}).")
  int recordsPerUser;

  @Option(names = "--steps", defaultValue = "50", description = "Measured steps of each kind (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warmup", defaultValue = "10", description = "Warm-up steps of each kind (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", description = "PyTorch intra-op threads (default: the engine's choice).")
  Integer threads;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (System.getenv(MMAP_THRESHOLD) == null && System.getenv("DPSTREAM_BENCH_CHILD") == null) {
      Optional<Integer> rc = reexecWithMmapThreshold();
      if (rc.isPresent()) {
        return rc.get();
      }
    }
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
      }
      System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    ModelSpec spec = ModelSpec.parse(model);
    DpStepBenchmark.Settings s = new DpStepBenchmark.Settings(spec, model, batch, recordsPerUser,
        steps, warmup, DeviceChoice.parse(device));
    DpStepBenchmark.Result r = DpStepBenchmark.run(s);
    String omp = Optional.ofNullable(System.getenv("OMP_WAIT_POLICY")).orElse("default");
    if (json) {
      System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"records_per_user\":%d,"
              + "\"steps\":%d,\"device\":\"%s\",\"threads\":%s,\"omp_wait_policy\":\"%s\","
              + "\"parameters\":%d,\"dp_examples_per_second\":%.1f,"
              + "\"plain_examples_per_second\":%.1f,\"ratio\":%.3f,\"dp_step_ms_median\":%.2f,"
              + "\"plain_step_ms_median\":%.2f,\"dp_peak_memory_bytes\":%d,"
              + "\"plain_peak_memory_bytes\":%d}%n",
          model.replace("\"", "\\\""), batch, recordsPerUser, steps, device,
          threads == null ? "null" : threads.toString(), omp, r.parameters(),
          r.dpExamplesPerSecond(), r.plainExamplesPerSecond(), r.ratio(), r.dpMedianStepMillis(),
          r.plainMedianStepMillis(), r.dpPeakMemoryBytes(), r.plainPeakMemoryBytes());
    } else {
      System.out.printf(Locale.ROOT, "%s batch %d x %d records: DP %.0f ex/s (%.1f ms), plain %.0f"
              + " ex/s (%.1f ms), ratio %.3f; peak step memory DP %.1f MiB, plain %.1f MiB%n",
          model, batch, recordsPerUser, r.dpExamplesPerSecond(), r.dpMedianStepMillis(),
          r.plainExamplesPerSecond(), r.plainMedianStepMillis(), r.ratio(),
          r.dpPeakMemoryBytes() / 1048576.0, r.plainPeakMemoryBytes() / 1048576.0);
    }
    return 0;
  }

  /**
   * Freed native memory must return to the system for per-step peaks to mean anything; glibc
   * reads its mmap threshold only from the environment, so run again as a child with it set.
   */
  private static Optional<Integer> reexecWithMmapThreshold() throws Exception {
    ProcessHandle.Info info = ProcessHandle.current().info();
    if (info.command().isEmpty() || info.arguments().isEmpty()) {
      return Optional.empty();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(info.command().get());
    cmd.addAll(List.of(info.arguments().get()));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put(MMAP_THRESHOLD, "65536");
    pb.environment().put("DPSTREAM_BENCH_CHILD", "1");
    return Optional.of(pb.start().waitFor());
  }
}
