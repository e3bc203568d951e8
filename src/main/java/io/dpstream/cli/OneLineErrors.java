package io.dpstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns bad arguments and bad configuration into one line on stderr naming what was wrong, with
 * exit code 2, instead of a stack trace. Other failures exit 1 with their message.
 */
final class OneLineErrors implements IParameterExceptionHandler, IExecutionExceptionHandler {

  static final int EXIT_BAD_INPUT = 2;
  static final int EXIT_FAILURE = 1;

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    cl.getErr().println("dpstream: " + ex.getMessage());
    cl.getErr().println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for usage.");
    return EXIT_BAD_INPUT;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
    if (ex instanceof IllegalArgumentException) {
      cl.getErr().println("dpstream: " + ex.getMessage());
      return EXIT_BAD_INPUT;
    }
    cl.getErr().println("dpstream: " + ex);
    if (Boolean.getBoolean("dpstream.debug")) {
      ex.printStackTrace(cl.getErr());
    }
    return EXIT_FAILURE;
  }
}
