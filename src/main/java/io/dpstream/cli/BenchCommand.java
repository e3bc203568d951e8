package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dpstream bench}: benchmarks that print their ratio against a baseline of the same run. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks, each measured against a baseline in the same run.",
    subcommands = {BenchStepCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
