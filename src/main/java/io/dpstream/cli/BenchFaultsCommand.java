package io.dpstream.cli;

import io.dpstream.bench.FaultInjectionRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dpstream bench faults}: the seeded fault-injection run and its four figures. */
@Command(
    name = "faults",
    mixinStandardHelpOptions = true,
    description = {
      "Run a broker, a gate and a trainer as separate processes, feed them a known set of users, "
          + "SIGKILL the gate or the trainer at seeded random points N times (restarting each), "
          + "SIGKILL and restart the broker once half-way, drain, then check from the topics alone: "
          + "(a) no user's epsilon under-counted, (b) every input record has exactly one outcome, "
          + "(c) snapshot versions strictly increase and all verify, (d) no trainer step repeated or skipped.",
      "Prints the four figures; exit code 0 when all hold, 1 otherwise."
    })
public final class BenchFaultsCommand implements Callable<Integer> {
  @Option(names = "--seed", defaultValue = "1", description = "Seed of the workload and the kill points (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--kills", defaultValue = "20", description = "SIGKILLs of gate and trainer together (default ${DEFAULT-VALUE}).")
  int kills;

  @Option(names = "--users", defaultValue = "40", description = "Users in the workload, at least 8 (default ${DEFAULT-VALUE}).")
  int users;

  @Mixin WorkDirOption workDir;

  @Override
  public Integer call() throws Exception {
    Path dir = workDir.orTemporary("faults");
    FaultInjectionRun.Result r =
        FaultInjectionRun.run(new FaultInjectionRun.Settings(seed, kills, dir, users), System.err);
    System.out.println(r.describe());
    return r.passed(kills) ? 0 : OneLineErrors.EXIT_FAILURE;
  }
}
