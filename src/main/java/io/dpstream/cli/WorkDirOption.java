package io.dpstream.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --work-dir} of the benchmarks that run a broker, a gate and a trainer as processes: where
 * their data, state and logs go. Mix in with {@code @Mixin WorkDirOption workDir;}.
 */
final class WorkDirOption {
  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Broker data, gate state and the processes' logs (default: a new temporary directory).")
  Path dir;

  /**
   * The given directory, else {@code dpstream-NAME-PID} under the system's temporary directory.
   * Not created here: the run creates it after checking its settings.
   */
  Path orTemporary(String name) {
    return dir != null
        ? dir
        : Path.of(System.getProperty("java.io.tmpdir"), "dpstream-" + name + "-" + ProcessHandle.current().pid());
  }
}
