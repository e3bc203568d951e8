package io.dpstream.cli;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.CalibratedNoise;
import io.dpstream.privacy.Calibration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpstream privacy noise}: the smallest noise multiplier that meets (ε, δ). */
@Command(
    name = "noise",
    mixinStandardHelpOptions = true,
    description = "The smallest noise multiplier (to 0.1%%) whose epsilon after N steps at "
        + "sampling rate Q is at most E at delta D; never above E.")
public final class PrivacyNoiseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--epsilon", required = true, paramLabel = "E", description = "Target epsilon > 0.")
  double epsilon;

  @Option(names = "--delta", required = true, paramLabel = "D", description = "Delta in (0, 1).")
  double delta;

  @Option(names = "--sampling-rate", required = true, paramLabel = "Q",
      description = "Poisson sampling rate q in (0, 1].")
  double samplingRate;

  @Option(names = "--steps", required = true, paramLabel = "N", description = "Steps, >= 0.")
  long steps;

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
    PrivacyArguments.steps(spec, steps);
    CalibratedNoise n = Calibration.noiseMultiplier(accountant, epsilon, delta, samplingRate, steps);
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("noise_multiplier", n.noiseMultiplier());
      out.put("epsilon", n.epsilon());
      PrivacyArguments.printJson(spec, out);
    } else {
      PrivacyArguments.printLine(spec, String.format(
          "Noise multiplier %.6g gives epsilon %.6g <= %s at delta %s after %d steps at sampling "
              + "rate %s (%s accountant).",
          n.noiseMultiplier(), n.epsilon(), epsilon, delta, steps, samplingRate, accountant.id()));
    }
    return 0;
  }
}
