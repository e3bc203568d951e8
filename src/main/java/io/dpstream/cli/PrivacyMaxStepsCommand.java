package io.dpstream.cli;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.CalibratedSteps;
import io.dpstream.privacy.Calibration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpstream privacy max-steps}: the largest number of steps within (ε, δ). */
@Command(
    name = "max-steps",
    mixinStandardHelpOptions = true,
    description = "The largest number of steps at sampling rate Q and noise multiplier S whose "
        + "epsilon is at most E at delta D.")
public final class PrivacyMaxStepsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--epsilon", required = true, paramLabel = "E", description = "Target epsilon > 0.")
  double epsilon;

  @Option(names = "--delta", required = true, paramLabel = "D", description = "Delta in (0, 1).")
  double delta;

  @Option(names = "--sampling-rate", required = true, paramLabel = "Q",
      description = "Poisson sampling rate q in (0, 1].")
  double samplingRate;

  @Option(names = "--noise-multiplier", required = true, paramLabel = "S",
      description = "Noise multiplier sigma > 0.")
  double noiseMultiplier;

  @Option(names = "--accountant", paramLabel = "rdp|pld", defaultValue = "pld",
      converter = PrivacyArguments.AccountantConverter.class,
      description = "Accountant (default: ${DEFAULT-VALUE}).")
  AccountantKind accountant;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    PrivacyArguments.epsilon(spec, epsilon);
    PrivacyArguments.delta(spec, delta);
    PrivacyArguments.samplingRate(spec, samplingRate);
    PrivacyArguments.noiseMultiplier(spec, noiseMultiplier);
    CalibratedSteps s =
        Calibration.maxSteps(accountant, epsilon, delta, samplingRate, noiseMultiplier);
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("max_steps", s.maxSteps());
      out.put("epsilon", s.epsilon());
      PrivacyArguments.printJson(spec, out);
    } else {
      PrivacyArguments.printLine(spec, String.format(
          "At most %d steps at sampling rate %s with noise multiplier %s: epsilon %.6g <= %s at "
              + "delta %s (%s accountant).",
          s.maxSteps(), samplingRate, noiseMultiplier, s.epsilon(), epsilon, delta,
          accountant.id()));
    }
    return 0;
  }
}
