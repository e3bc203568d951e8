package io.dpstream.cli;

import io.dpstream.stream.Pipeline;

/** The body shared by the long-running pipeline commands. */
final class ProcessCommands {
  private ProcessCommands() {}

  /** Runs until the pipeline stops (trainer.maxSteps, a failure) or the process is signalled. */
  static int runUntilStopped(Pipeline.Builder builder, MetricsOptions metrics) throws Exception {
    try (PipelineProcess process = PipelineProcess.start(builder, metrics)) {
      System.err.println(
          "dpstream: running; metrics on port " + process.metricsPort() + "; Ctrl-C to stop");
      process.pipeline().awaitStopped();
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("dpstream: " + e.getMessage());
      return OneLineErrors.EXIT_FAILURE;
    }
  }
}
