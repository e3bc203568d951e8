package io.dpstream.cli;

import io.dpstream.stream.Pipeline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code dpstream train}: the trainer alone, against the brokers a gate writes to. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Run the trainer: assemble steps from step-contributions, take DP-SGD steps, publish "
          + "snapshots, privacy metrics and checkpoints (one transaction per commit), until "
          + "SIGINT or SIGTERM or trainer.maxSteps. Resumes from its last checkpoint.",
      "Configuration: --config FILE, then DPSTREAM_* environment variables, then flags."
    })
public final class TrainCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Mixin MetricsOptions metrics;

  @Override
  public Integer call() throws Exception {
    var config = options.load();
    if (config.kafka().embedded()) {
      throw new IllegalArgumentException(
          "train needs --bootstrap-servers (or kafka.bootstrapServers): the brokers its gate "
              + "writes to; use 'dpstream run' for gate and trainer in one process");
    }
    return ProcessCommands.runUntilStopped(
        Pipeline.builder(config).gate(false).onStep(StepLine::print), metrics);
  }
}
