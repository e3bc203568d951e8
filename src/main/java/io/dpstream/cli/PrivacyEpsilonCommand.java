package io.dpstream.cli;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.GaussianSteps;
import io.dpstream.privacy.PldAccountant;
import io.dpstream.privacy.RdpAccountant;
import io.dpstream.privacy.RdpEpsilon;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpstream privacy epsilon}: ε of N Poisson-subsampled Gaussian steps at δ. */
@Command(
    name = "epsilon",
    mixinStandardHelpOptions = true,
    description = "Epsilon after N steps of DP-SGD (Poisson sampling rate Q, noise multiplier S) "
        + "at delta D.")
public final class PrivacyEpsilonCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--sampling-rate", required = true, paramLabel = "Q",
      description = "Poisson sampling rate q in (0, 1].")
  double samplingRate;

  @Option(names = "--noise-multiplier", required = true, paramLabel = "S",
      description = "Noise multiplier sigma > 0 (noise std over clipping norm).")
  double noiseMultiplier;

  @Option(names = "--steps", required = true, paramLabel = "N", description = "Steps, >= 0.")
  long steps;

  @Option(names = "--delta", required = true, paramLabel = "D", description = "Delta in (0, 1).")
  double delta;

  @Option(names = "--accountant", paramLabel = "rdp|pld", defaultValue = "pld",
      converter = PrivacyArguments.AccountantConverter.class,
      description = "Accountant (default: ${DEFAULT-VALUE}).")
  AccountantKind accountant;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    PrivacyArguments.samplingRate(spec, samplingRate);
    PrivacyArguments.noiseMultiplier(spec, noiseMultiplier);
    PrivacyArguments.steps(spec, steps);
    PrivacyArguments.delta(spec, delta);
    double epsilon;
    Double order = null;
    if (accountant == AccountantKind.RDP) {
      RdpEpsilon e = new RdpAccountant().epsilonAndOrder(
          List.of(new GaussianSteps(samplingRate, noiseMultiplier, steps)), delta);
      epsilon = e.epsilon();
      order = e.order();
    } else {
      epsilon = new PldAccountant().epsilon(samplingRate, noiseMultiplier, steps, delta);
    }
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("epsilon", epsilon);
      out.put("delta", delta);
      out.put("accountant", accountant.id());
      if (order != null) out.put("order", order);
      PrivacyArguments.printJson(spec, out);
    } else {
      PrivacyArguments.printLine(spec, String.format(
          "%d steps at sampling rate %s with noise multiplier %s give epsilon %.6g at delta %s "
              + "(%s accountant%s).",
          steps, samplingRate, noiseMultiplier, epsilon, delta, accountant.id(),
          order == null ? "" : ", best order " + order));
    }
    return 0;
  }
}
