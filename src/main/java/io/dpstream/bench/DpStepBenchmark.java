package io.dpstream.bench;

import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.DpSgdConfig;
import io.dpstream.dp.DpTrainer;
import io.dpstream.dp.Example;
import io.dpstream.dp.LayerSpec;
import io.dpstream.dp.LearningRateSchedule;
import io.dpstream.dp.ModelSpec;
import io.dpstream.dp.OptimizerConfig;
import io.dpstream.dp.UserExamples;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Throughput and memory of the DP-SGD step against the non-private step of the same model on the
 * same engine ({@link DpTrainer#nonPrivateStep}).
 *
 * <p>Throughput ({@link #run}): both trainers in one process, steps alternated (and which goes
 * first alternated too) so both see the same machine load, threads and JIT state; examples per
 * second at the median step time of each kind. A DP step's time includes its noise draw: on the
 * trainer's noise thread while the step computes its clipped sum where the intra-op threads leave
 * a core free (the bench waits for any background work before the next step), else on the
 * step's own thread. With one intra-op thread on two cores that draw uses a core the non-private
 * step leaves idle: compare each kind at the thread count where it runs best, as well as at equal
 * counts. Beside wall time, the mean process CPU time per step
 * (all threads: PyTorch's, the noise thread, the JVM's) is recorded: on a shared machine it is
 * the steadier measure of how much work a step is.
 *
 * <p>Memory ({@link #peakTrainingMemory}): one kind of step alone in a fresh process, as the peak
 * resident set (VmHWM, Linux) minus the resident set just before the trainer is built: the model,
 * its optimiser state and gradients, the noise and the step's working memory. The caller
 * runs it with the JVM heap pre-touched and glibc's {@code MALLOC_MMAP_THRESHOLD_} low, so that
 * neither heap growth nor allocator caching is counted.
 */
public final class DpStepBenchmark {

  /**
   * What to measure.
   *
   * @param warmup warm-up steps of each kind, at least
   * @param warmupSeconds warm-up time, at least: the JIT keeps compiling the steps' Java code for
   *     several seconds, whatever the step's length (see {@link #run})
   */
  public record Settings(ModelSpec spec, String specText, int batch, int recordsPerUser, int steps,
      int warmup, double warmupSeconds, DeviceChoice device) {
    public Settings {
      if (batch < 1 || recordsPerUser < 1 || steps < 1) {
        throw new IllegalArgumentException("batch, records-per-user and steps must be >= 1");
      }
      if (warmup < 0 || !(warmupSeconds >= 0)) {
        throw new IllegalArgumentException("warm-up steps and seconds must be >= 0");
      }
    }
  }

  /**
   * Measured figures (memory -1 when not measured).
   *
   * @param dpExamplesPerSecond per step, each DP step including its noise draw
   * @param dpSustainedExamplesPerSecond over blocks of back-to-back DP steps, as training runs
   *     them
   * @param plainSustainedExamplesPerSecond over blocks of back-to-back non-private steps
   * @param dpPageFaultsPerStep the process's minor page faults per DP step (mean; -1 unknown)
   * @param plainPageFaultsPerStep the same per non-private step
   * @param cpuStealFraction share of the machine's CPU time the hypervisor gave to other guests
   *     during the per-step measurement (-1 unknown): above a few percent, the figures are
   *     unsettled
   * @param warmupSteps warm-up steps run of each kind
   */
  public record Result(double dpExamplesPerSecond, double plainExamplesPerSecond,
      double dpMedianStepMillis, double plainMedianStepMillis, double dpMeanCpuMillis,
      double plainMeanCpuMillis, double dpSustainedExamplesPerSecond,
      double plainSustainedExamplesPerSecond, long dpPeakMemoryBytes, long plainPeakMemoryBytes,
      long parameters, double dpPageFaultsPerStep, double plainPageFaultsPerStep,
      double cpuStealFraction, int warmupSteps) {
    public double ratio() {
      return dpExamplesPerSecond / plainExamplesPerSecond;
    }

    public double sustainedRatio() {
      return dpSustainedExamplesPerSecond / plainSustainedExamplesPerSecond;
    }

    public Result withMemory(long dp, long plain) {
      return new Result(dpExamplesPerSecond, plainExamplesPerSecond, dpMedianStepMillis,
          plainMedianStepMillis, dpMeanCpuMillis, plainMeanCpuMillis,
          dpSustainedExamplesPerSecond, plainSustainedExamplesPerSecond, dp, plain, parameters,
          dpPageFaultsPerStep, plainPageFaultsPerStep, cpuStealFraction, warmupSteps);
    }
  }

  /** Steps per block of the sustained measurement. */
  static final int BLOCK = 10;

  private DpStepBenchmark() {}

  public static Result run(Settings s) {
    List<List<UserExamples>> batches = new ArrayList<>();
    Random r = new Random(1);
    for (int b = 0; b < 4; b++) {
      batches.add(randomBatch(s.spec(), s.batch(), s.recordsPerUser(), r));
    }
    DpSgdConfig config = config(s);
    int examples = s.batch() * s.recordsPerUser();
    try (DpTrainer dp = DpTrainer.create(s.spec(), config);
        DpTrainer plain = DpTrainer.create(s.spec(), config)) {
      int warmed = warmUp(dp, plain, batches, s);
      long[] dpNanos = new long[s.steps()];
      long[] plainNanos = new long[s.steps()];
      long[] dpCpu = new long[s.steps()];
      long[] plainCpu = new long[s.steps()];
      long[] dpFaults = new long[s.steps()];
      long[] plainFaults = new long[s.steps()];
      KernelCounters.CpuTime machineBefore = KernelCounters.cpuTime();
      for (int i = 0; i < s.steps(); i++) {
        List<UserExamples> users = batches.get(i % batches.size());
        // alternate which goes first so neither always runs on a warm cache
        boolean dpFirst = i % 2 == 0;
        for (int k = 0; k < 2; k++) {
          boolean isDp = (k == 0) == dpFirst;
          long f0 = KernelCounters.minorFaults();
          long c0 = processCpuNanos();
          long t0 = System.nanoTime();
          if (isDp) {
            dp.step(users);
            dp.awaitBackgroundWork();
          } else {
            plain.nonPrivateStep(users);
          }
          long t1 = System.nanoTime();
          long c1 = processCpuNanos();
          long f1 = KernelCounters.minorFaults();
          (isDp ? dpNanos : plainNanos)[i] = t1 - t0;
          (isDp ? dpCpu : plainCpu)[i] = c1 - c0;
          (isDp ? dpFaults : plainFaults)[i] = f0 < 0 || f1 < 0 ? -1 : f1 - f0;
        }
      }
      double steal = KernelCounters.cpuTime().stealFractionSince(machineBefore);
      double[] sustained = sustained(dp, plain, batches, Math.max(3, s.steps() / BLOCK), examples);
      // the median step: robust to other processes' bursts on a shared machine
      return new Result(
          examples / (median(dpNanos) / 1e9), examples / (median(plainNanos) / 1e9),
          median(dpNanos) / 1e6, median(plainNanos) / 1e6, mean(dpCpu) / 1e6,
          mean(plainCpu) / 1e6, sustained[0], sustained[1], -1, -1, dp.parameterCount(),
          meanOrUnknown(dpFaults), meanOrUnknown(plainFaults), steal, warmed);
    }
  }

  /**
   * Alternate DP and non-private steps until both {@code s.warmup()} steps of each kind and
   * {@code s.warmupSeconds()} have passed; returns the steps run of each kind. A time floor
   * because the JIT's work is: in a probe on the 2-core CPU machine ({@code mlp:784-512-512-10},
   * two threads), the JVM compiled 157 and 121 methods in the 50-step windows ending at steps
   * 100 and 150 (about 2 to 4 s after start), and about 20 per window after step 300, and the
   * median ratio per window went from 0.73 (steps 150 to 200) to 0.79 to 0.80 from step 300 on.
   * The compilations compete with the steps for the cores and hit the DP step, with more Java
   * code of its own, harder.
   */
  private static int warmUp(DpTrainer dp, DpTrainer plain, List<List<UserExamples>> batches,
      Settings s) {
    long until = System.nanoTime() + (long) (s.warmupSeconds() * 1e9);
    int i = 0;
    while (i < s.warmup() || System.nanoTime() < until) {
      dp.step(batches.get(i % batches.size()));
      dp.awaitBackgroundWork();
      plain.nonPrivateStep(batches.get(i % batches.size()));
      i++;
    }
    return i;
  }

  /**
   * Examples per second of DP and of non-private training run as training runs: blocks of
   * {@link #BLOCK} back-to-back steps of one kind, the kinds alternating block by block (and which
   * goes first alternating too), each at its median block time. Each DP step draws its own noise
   * while it computes its clipped sum, as in per-step mode; what differs is that steps follow each
   * other without the other kind's step in between, as when {@link DpTrainer} runs
   * continuously.
   *
   * @return {dp, plain} examples per second
   */
  private static double[] sustained(DpTrainer dp, DpTrainer plain, List<List<UserExamples>> batches,
      int blocks, int examples) {
    long[] dpNanos = new long[blocks];
    long[] plainNanos = new long[blocks];
    for (int b = 0; b < blocks; b++) {
      boolean dpFirst = b % 2 == 0;
      for (int k = 0; k < 2; k++) {
        boolean isDp = (k == 0) == dpFirst;
        long t0 = System.nanoTime();
        for (int i = 0; i < BLOCK; i++) {
          List<UserExamples> users = batches.get((b * BLOCK + i) % batches.size());
          if (isDp) {
            dp.step(users);
          } else {
            plain.nonPrivateStep(users);
          }
        }
        if (isDp) {
          dp.awaitBackgroundWork();
        }
        (isDp ? dpNanos : plainNanos)[b] = System.nanoTime() - t0;
      }
    }
    double perBlock = (double) examples * BLOCK;
    return new double[] {perBlock / (median(dpNanos) / 1e9), perBlock / (median(plainNanos) / 1e9)};
  }

  /**
   * Peak resident memory of training with one kind of step, in bytes above the process's resident
   * set before the trainer exists; 0 where /proc is unavailable.
   *
   * @param dp true for DP-SGD steps, false for non-private steps
   */
  public static long peakTrainingMemory(Settings s, boolean dp) {
    List<List<UserExamples>> batches = new ArrayList<>();
    Random r = new Random(1);
    for (int b = 0; b < 4; b++) {
      batches.add(randomBatch(s.spec(), s.batch(), s.recordsPerUser(), r));
    }
    DpSgdConfig config = config(s);
    // start the engine first so that its libraries are part of the baseline
    try (DpTrainer warm = DpTrainer.create(ModelSpec.parse("logreg:2-2"), config.withMaxRecordsPerUser(1))) {
      warm.step(List.of());
    }
    long baseline = KernelCounters.resetPeakResidentBytes();
    try (DpTrainer t = DpTrainer.create(s.spec(), config)) {
      for (int i = 0; i < s.warmup() + s.steps(); i++) {
        if (dp) {
          t.step(batches.get(i % batches.size()));
        } else {
          t.nonPrivateStep(batches.get(i % batches.size()));
        }
      }
      return Math.max(0, KernelCounters.peakResidentBytes() - baseline);
    }
  }

  private static DpSgdConfig config(Settings s) {
    return new DpSgdConfig(1.0, 1.0, s.batch(), s.recordsPerUser(),
        OptimizerConfig.sgd(0.05, 0.9, 0), LearningRateSchedule.constant(), s.device(), 1);
  }

  /** CPU time of the whole process (all threads), -1 where the JVM does not report it. */
  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /** The mean: the process CPU clock ticks in jiffies (10 ms), too coarse for a median. */
  private static double mean(long[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }

  /** The mean, or -1 when any value is unknown (-1). */
  private static double meanOrUnknown(long[] v) {
    return Arrays.stream(v).anyMatch(x -> x < 0) ? -1 : mean(v);
  }

  private static double median(long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  /** Users with standard-normal features, random labels/targets and ids. */
  static List<UserExamples> randomBatch(ModelSpec spec, int users, int records, Random r) {
    List<Integer> vocab = spec.layers().stream()
        .filter(l -> l instanceof LayerSpec.Embedding)
        .flatMap(l -> ((LayerSpec.Embedding) l).fields().stream())
        .map(LayerSpec.Embedding.Field::vocabulary).toList();
    int classes = 0;
    for (LayerSpec l : spec.layers()) {
      if (l instanceof LayerSpec.Linear lin) {
        classes = lin.out();
      }
    }
    List<UserExamples> out = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      List<Example> ex = new ArrayList<>();
      for (int i = 0; i < records; i++) {
        float[] f = new float[spec.featureCount()];
        for (int k = 0; k < f.length; k++) {
          f[k] = (float) r.nextGaussian();
        }
        int[] ids = vocab.stream().mapToInt(r::nextInt).toArray();
        boolean classification = spec.task() == ModelSpec.Task.CLASSIFICATION;
        ex.add(new Example(f, ids, classification ? r.nextInt(classes) : null,
            classification ? null : r.nextGaussian(), 1f));
      }
      out.add(new UserExamples("user-" + u, ex));
    }
    return out;
  }
}
