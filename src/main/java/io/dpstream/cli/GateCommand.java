package io.dpstream.cli;

import io.dpstream.stream.Pipeline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code dpstream gate}: runs the gate until SIGINT or SIGTERM, then commits, leaves the consumer
 * group and exits. Without bootstrap servers it starts an embedded broker for the session. Serves
 * the gate's metrics and health on the metrics port.
 */
@Command(
    name = "gate",
    mixinStandardHelpOptions = true,
    description = {
      "Run the gate: validate training-records, enforce each user's epsilon cap, pool records and "
          + "close DP-SGD steps to step-contributions, privacy-ledger and budget-alerts (Kafka Streams, exactly once).",
      "Configuration: --config FILE, then DPSTREAM_* environment variables, then flags."
    })
public final class GateCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Mixin MetricsOptions metrics;

  @Override
  public Integer call() throws Exception {
    return ProcessCommands.runUntilStopped(
        Pipeline.builder(options.load()).trainer(false), metrics);
  }
}
