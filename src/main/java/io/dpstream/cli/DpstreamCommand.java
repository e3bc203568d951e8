package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one front door: {@code dpstream <command>}. Every feature is a subcommand and each prints
 * {@code --help}. Exit codes: 0 success, 1 runtime failure, 2 bad arguments or configuration.
 */
@Command(
    name = "dpstream",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Differentially private SGD trained continuously from Kafka streams, "
        + "with a per-user epsilon cap.",
    subcommands = {
        CommandLine.HelpCommand.class,
        PrivacyCommand.class,
        BenchCommand.class,
    })
public final class DpstreamCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line with dpstream's error handling; tests call this too. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new DpstreamCommand());
    cl.setParameterExceptionHandler(new OneLineErrors());
    cl.setExecutionExceptionHandler(new OneLineErrors());
    return cl;
  }

  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    System.exit(commandLine().execute(args));
  }
}
