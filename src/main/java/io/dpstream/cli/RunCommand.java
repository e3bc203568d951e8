package io.dpstream.cli;

import io.dpstream.stream.Pipeline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpstream run}: the gate and the trainer in one process, until SIGINT or SIGTERM. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the gate and the trainer in one process (an embedded broker when no bootstrap servers "
          + "are given), serving /metrics, until SIGINT or SIGTERM or trainer.maxSteps.",
      "Configuration: --config FILE, then DPSTREAM_* environment variables, then flags."
    })
public final class RunCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Mixin MetricsOptions metrics;

  @Override
  public Integer call() throws Exception {
    return ProcessCommands.runUntilStopped(
        Pipeline.builder(options.load()).onStep(StepLine::print), metrics);
  }
}
