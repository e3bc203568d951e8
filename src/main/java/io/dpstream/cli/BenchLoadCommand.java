package io.dpstream.cli;

import io.dpstream.bench.LoadRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpstream bench load}: a sustained, bounded load on loopback with memory, lag and outcome checks. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Run a broker, a gate and a trainer as separate processes and feed them RATE records/s for "
          + "MINUTES minutes; sample resident memory, heap, consumer lag and the gate's durable outcome "
          + "counts; then check that memory stayed bounded, lag did not grow and no record was lost "
          + "(sent = admitted + dropped + dead-lettered).",
      "Prints the samples and the three verdicts; exit code 0 when all hold, 1 otherwise."
    })
public final class BenchLoadCommand implements Callable<Integer> {
  @Option(names = "--minutes", defaultValue = "10", description = "Duration of the input (default ${DEFAULT-VALUE}).")
  double minutes;

  @Option(names = "--rate", defaultValue = "1000", description = "Records per second (default ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--users", defaultValue = "200000", description = "Uniform user population (default ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--sample-seconds", defaultValue = "10", description = "Seconds between samples (default ${DEFAULT-VALUE}).")
  int sampleSeconds;

  @Mixin WorkDirOption workDir;

  @Override
  public Integer call() throws Exception {
    Path dir = workDir.orTemporary("load");
    LoadRun.Result r =
        LoadRun.run(new LoadRun.Settings(minutes, rate, users, sampleSeconds, dir), System.err);
    System.out.println(r.describe());
    return r.passed() ? 0 : OneLineErrors.EXIT_FAILURE;
  }
}
