package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dpstream bench}: benchmarks, each subcommand a JMH suite run from the jar. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks (JMH), each printing ratios against a baseline measured in the same run.",
    subcommands = {
        BenchPrivacyCommand.class,
    })
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
