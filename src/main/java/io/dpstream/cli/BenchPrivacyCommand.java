package io.dpstream.cli;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpstream bench privacy}: runs {@code io.dpstream.bench.PrivacyBenchmarks} with JMH and
 * prints each figure beside its baseline and the ratio.
 */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    description = "PLD epsilon for 100,000 steps, PLD calibration, and the ledger check + charge, "
        + "each against a baseline (RDP, RDP, bare allocation) measured in the same run.")
public final class BenchPrivacyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--include", paramLabel = "REGEX", defaultValue = ".*",
      description = "Only benchmark methods matching this regex (default: all).")
  String include;

  private static final String[][] PAIRS = {
    {"pldEpsilon100kSteps", "rdpEpsilon100kStepsBaseline"},
    {"pldCalibrateNoise", "rdpCalibrateNoiseBaseline"},
    {"pldCalibrateMaxSteps", "rdpCalibrateMaxStepsBaseline"},
    {"ledgerCheckAndCharge", "ledgerAllocationBaseline"},
  };

  @Override
  public Integer call() throws RunnerException {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include("io\\.dpstream\\.bench\\.PrivacyBenchmarks\\.(" + include + ")$")
        .verbosity(VerboseMode.NORMAL)
        .build()).run();
    Map<String, double[]> scores = new HashMap<>();
    Map<String, String> units = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      scores.put(name, new double[] {r.getPrimaryResult().getScore(),
          r.getPrimaryResult().getScoreError()});
      units.put(name, r.getPrimaryResult().getScoreUnit());
    }
    var out = spec.commandLine().getOut();
    out.println();
    out.printf("%-24s %18s   %-30s %18s %8s%n", "benchmark", "score", "baseline", "score", "ratio");
    for (String[] pair : PAIRS) {
      double[] a = scores.get(pair[0]);
      double[] b = scores.get(pair[1]);
      if (a == null) continue;
      out.printf("%-24s %10.3f %-7s   %-30s %10s %-7s %8s%n", pair[0], a[0], units.get(pair[0]),
          pair[1], b == null ? "-" : String.format("%.3f", b[0]),
          b == null ? "" : units.get(pair[1]),
          b == null ? "-" : String.format("%.1fx", a[0] / b[0]));
    }
    out.flush();
    return 0;
  }
}
