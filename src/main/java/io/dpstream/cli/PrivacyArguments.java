package io.dpstream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.privacy.AccountantKind;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks and output shared by the {@code dpstream privacy} commands; errors name the option. */
final class PrivacyArguments {
  private PrivacyArguments() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Parses {@code --accountant rdp|pld}; picocli turns the failure into a one-line error. */
  static final class AccountantConverter implements ITypeConverter<AccountantKind> {
    @Override
    public AccountantKind convert(String value) {
      try {
        return AccountantKind.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static void samplingRate(CommandSpec spec, double q) {
    if (!(q > 0 && q <= 1)) fail(spec, "--sampling-rate must be in (0, 1], got " + q);
  }

  static void noiseMultiplier(CommandSpec spec, double sigma) {
    if (!(sigma > 0) || Double.isInfinite(sigma))
      fail(spec, "--noise-multiplier must be a positive number, got " + sigma);
  }

  static void delta(CommandSpec spec, double delta) {
    if (!(delta > 0 && delta < 1)) fail(spec, "--delta must be in (0, 1), got " + delta);
  }

  static void epsilon(CommandSpec spec, double epsilon) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon))
      fail(spec, "--epsilon must be a positive number, got " + epsilon);
  }

  static void steps(CommandSpec spec, long steps) {
    if (steps < 0) fail(spec, "--steps must be >= 0, got " + steps);
  }

  private static void fail(CommandSpec spec, String message) {
    throw new ParameterException(spec.commandLine(), message);
  }

  /** Prints one JSON object on a line of its own. */
  static void printJson(CommandSpec spec, Map<String, Object> fields) {
    try {
      spec.commandLine().getOut().println(JSON.writeValueAsString(fields));
      spec.commandLine().getOut().flush();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static void printLine(CommandSpec spec, String line) {
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
  }
}
