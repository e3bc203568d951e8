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
  /** CPU steal above which the figures are flagged as unsettled (on stderr). */
  static final double STEAL_WARNING = 0.05;

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

  @Option(names = "--warmup", defaultValue = "10",
      description = "Warm-up steps of each kind, at least (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--warmup-seconds", defaultValue = "10",
      description = "Warm-up time, at least (default ${DEFAULT-VALUE}): the JIT compiles the"
          + " steps' code for several seconds, and steps measured meanwhile are slower, DP steps"
          + " more so.")
  double warmupSeconds;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu (default ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", description = "PyTorch intra-op threads (default: the engine's choice).")
  Integer threads;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(names = "--memory-of", hidden = true,
      description = "Internal: measure the peak memory of dp or plain steps alone and print it.")
  String memoryOf;

  @Override
  public Integer call() throws Exception {
    if (threads != null) {
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
      }
      System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    ModelSpec spec = ModelSpec.parse(model);
    DpStepBenchmark.Settings s = new DpStepBenchmark.Settings(spec, model, batch, recordsPerUser,
        steps, warmup, warmupSeconds, DeviceChoice.parse(device));
    if (memoryOf != null) {
      System.out.println(DpStepBenchmark.peakTrainingMemory(s, memoryOf.equals("dp")));
      return 0;
    }
    // progress on stderr: a run takes from about 15 s (small models) to minutes
    System.err.printf(Locale.ROOT, "bench step %s: warming up (at least %d step pairs and %.0f s),"
        + " then %d measured step pairs and back-to-back blocks%n", model, warmup, warmupSeconds,
        steps);
    DpStepBenchmark.Result r = DpStepBenchmark.run(s);
    System.err.printf(Locale.ROOT, "bench step %s: ran %d warm-up pairs; measuring peak memory of"
        + " each kind in a child JVM%n", model, r.warmupSteps());
    r = r.withMemory(memoryInChild("dp"), memoryInChild("plain"));
    String omp = Optional.ofNullable(System.getenv("OMP_WAIT_POLICY")).orElse("default");
    if (json) {
      System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"records_per_user\":%d,"
              + "\"steps\":%d,\"device\":\"%s\",\"threads\":%s,\"omp_wait_policy\":\"%s\","
              + "\"parameters\":%d,\"dp_examples_per_second\":%.1f,"
              + "\"plain_examples_per_second\":%.1f,\"ratio\":%.3f,\"dp_step_ms_median\":%.2f,"
              + "\"plain_step_ms_median\":%.2f,\"dp_step_cpu_ms_mean\":%.2f,"
              + "\"plain_step_cpu_ms_mean\":%.2f,\"dp_peak_memory_bytes\":%d,"
              + "\"plain_peak_memory_bytes\":%d,\"memory_ratio\":%.3f,"
              + "\"dp_sustained_examples_per_second\":%.1f,"
              + "\"plain_sustained_examples_per_second\":%.1f,\"sustained_ratio\":%.3f,"
              + "\"dp_page_faults_per_step\":%.1f,\"plain_page_faults_per_step\":%.1f,"
              + "\"cpu_steal_fraction\":%.3f,\"warmup_steps\":%d}%n",
          model.replace("\"", "\\\""), batch, recordsPerUser, steps, device,
          threads == null ? "null" : threads.toString(), omp, r.parameters(),
          r.dpExamplesPerSecond(), r.plainExamplesPerSecond(), r.ratio(), r.dpMedianStepMillis(),
          r.plainMedianStepMillis(), r.dpMeanCpuMillis(), r.plainMeanCpuMillis(),
          r.dpPeakMemoryBytes(), r.plainPeakMemoryBytes(),
          r.dpPeakMemoryBytes() / (double) r.plainPeakMemoryBytes(),
          r.dpSustainedExamplesPerSecond(), r.plainSustainedExamplesPerSecond(),
          r.sustainedRatio(), r.dpPageFaultsPerStep(), r.plainPageFaultsPerStep(),
          r.cpuStealFraction(), r.warmupSteps());
    } else {
      System.out.printf(Locale.ROOT, "%s batch %d x %d records: DP %.0f ex/s (%.1f ms, CPU %.1f ms),"
              + " plain %.0f ex/s (%.1f ms, CPU %.1f ms), ratio %.3f; peak training memory DP %.1f"
              + " MiB, plain %.1f MiB; back-to-back steps: DP %.0f ex/s, plain %.0f ex/s, ratio"
              + " %.3f; page faults per step DP %.0f, plain %.0f; CPU steal %.1f%%; after %d"
              + " warm-up steps of each kind%n",
          model, batch, recordsPerUser, r.dpExamplesPerSecond(), r.dpMedianStepMillis(),
          r.dpMeanCpuMillis(), r.plainExamplesPerSecond(), r.plainMedianStepMillis(),
          r.plainMeanCpuMillis(), r.ratio(),
          r.dpPeakMemoryBytes() / 1048576.0, r.plainPeakMemoryBytes() / 1048576.0,
          r.dpSustainedExamplesPerSecond(), r.plainSustainedExamplesPerSecond(),
          r.sustainedRatio(), r.dpPageFaultsPerStep(), r.plainPageFaultsPerStep(),
          100 * r.cpuStealFraction(), r.warmupSteps());
    }
    if (r.cpuStealFraction() > STEAL_WARNING) {
      System.err.printf(Locale.ROOT, "warning: the hypervisor gave %.0f%% of this machine's CPU"
          + " time to other guests during the run; these figures are not settled%n",
          100 * r.cpuStealFraction());
    }
    return 0;
  }

  /**
   * Runs this benchmark's memory measurement for one kind of step in a fresh JVM: heap pre-touched
   * (so heap growth is not counted) and glibc's mmap threshold at 64 KiB (so freed native arrays
   * go back to the system instead of staying in the allocator's cache).
   */
  private long memoryInChild(String kind) throws Exception {
    ProcessHandle.Info info = ProcessHandle.current().info();
    if (info.command().isEmpty() || !java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/status"))) {
      return -1;
    }
    List<String> cmd = new ArrayList<>(List.of(info.command().get(), "-Xms512m", "-Xmx512m",
        "-XX:+AlwaysPreTouch", "-Dai.djl.offline=true"));
    if (threads != null) {
      cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
      cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DpstreamCommand.class.getName(),
        "bench", "step", "--model", model, "--batch", Integer.toString(batch),
        "--records-per-user", Integer.toString(recordsPerUser), "--steps", Integer.toString(Math.min(steps, 10)),
        "--warmup", "2", "--warmup-seconds", "0", "--device", device, "--memory-of", kind));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put(MMAP_THRESHOLD, "65536");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("memory measurement of " + kind + " steps failed");
    }
    String[] lines = out.strip().split("\\R");
    return Long.parseLong(lines[lines.length - 1].strip());
  }
}
