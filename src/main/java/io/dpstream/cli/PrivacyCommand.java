package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dpstream privacy}: accountant and calibration commands. */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    description = "Privacy accounting: epsilon for a schedule, noise calibration, step caps.",
    subcommands = {
        PrivacyEpsilonCommand.class,
        PrivacyNoiseCommand.class,
        PrivacyMaxStepsCommand.class,
    })
public final class PrivacyCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
