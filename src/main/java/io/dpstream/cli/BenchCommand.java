package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dpstream bench}: benchmarks, each printing its ratio against a baseline run side by side. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks, each against a baseline measured in the same run.",
    subcommands = {
        BenchPrivacyCommand.class,
        BenchGateCommand.class,
        BenchStepCommand.class,
        BenchFaultsCommand.class,
        BenchLoadCommand.class,
        BenchFreshnessCommand.class,
    })
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
