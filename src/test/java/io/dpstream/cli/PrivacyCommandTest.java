package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class PrivacyCommandTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static JsonNode json(Run r) throws Exception {
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(1, lines.length, r.out());
    return new ObjectMapper().readTree(lines[0]);
  }

  /** The Opacus setting (accountants_test.py: RDP ε 7.32911117143) through the command. */
  @Test
  void epsilonRdpJson() throws Exception {
    JsonNode j = json(run("privacy", "epsilon", "--sampling-rate", "0.04", "--noise-multiplier",
        "1.5", "--steps", "2250", "--delta", "1e-5", "--accountant", "rdp", "--json"));
    assertEquals(7.32911117143, j.get("epsilon").asDouble(), 1e-6);
    assertEquals(1e-5, j.get("delta").asDouble());
    assertEquals("rdp", j.get("accountant").asText());
    assertTrue(j.get("order").asDouble() > 1);
  }

  @Test
  void epsilonPldIsTheDefaultAndHasNoOrder() throws Exception {
    JsonNode j = json(run("privacy", "epsilon", "--sampling-rate", "0.04", "--noise-multiplier",
        "1.5", "--steps", "2250", "--delta", "1e-5", "--json"));
    assertEquals("pld", j.get("accountant").asText());
    assertFalse(j.has("order"));
    double eps = j.get("epsilon").asDouble();
    assertTrue(eps > 6 && eps < 7.3291, "pld epsilon " + eps);
  }

  @Test
  void noiseAndMaxStepsRoundTrip() throws Exception {
    JsonNode n = json(run("privacy", "noise", "--epsilon", "8", "--delta", "1e-5",
        "--sampling-rate", "0.04", "--steps", "2250", "--accountant", "rdp", "--json"));
    double sigma = n.get("noise_multiplier").asDouble();
    assertTrue(n.get("epsilon").asDouble() <= 8);
    JsonNode s = json(run("privacy", "max-steps", "--epsilon", "8", "--delta", "1e-5",
        "--sampling-rate", "0.04", "--noise-multiplier", Double.toString(sigma),
        "--accountant", "rdp", "--json"));
    assertTrue(s.get("max_steps").asLong() >= 2250);
    assertTrue(s.get("epsilon").asDouble() <= 8);
  }

  @Test
  void humanOutputIsOneSentence() {
    Run r = run("privacy", "max-steps", "--epsilon", "2", "--delta", "1e-5", "--sampling-rate",
        "0.01", "--noise-multiplier", "1.0", "--accountant", "rdp");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("At most "), r.out());
    assertEquals(1, r.out().strip().split("\n").length);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "epsilon --sampling-rate 0 --noise-multiplier 1 --steps 10 --delta 1e-5 | --sampling-rate",
    "epsilon --sampling-rate 1.5 --noise-multiplier 1 --steps 10 --delta 1e-5 | --sampling-rate",
    "epsilon --sampling-rate 0.1 --noise-multiplier 0 --steps 10 --delta 1e-5 | --noise-multiplier",
    "epsilon --sampling-rate 0.1 --noise-multiplier -1 --steps 10 --delta 1e-5 | --noise-multiplier",
    "epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps -1 --delta 1e-5 | --steps",
    "epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 1 | --delta",
    "epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 0 | --delta",
    "epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 10 --delta 1e-5 --accountant gdp | gdp",
    "noise --epsilon -1 --delta 1e-5 --sampling-rate 0.1 --steps 10 | --epsilon",
    "max-steps --epsilon 1 --delta 2 --sampling-rate 0.1 --noise-multiplier 1 | --delta",
    "epsilon --sampling-rate abc --noise-multiplier 1 --steps 10 --delta 1e-5 | --sampling-rate",
  })
  void badArgumentsAreOneLineWithExitCode2(String args, String named) {
    String[] argv = ("privacy " + args).trim().split(" +");
    Run r = run(argv);
    assertEquals(2, r.code(), r.out() + r.err());
    String first = r.err().strip().split("\n")[0];
    assertTrue(first.contains(named), first);
    assertFalse(r.err().contains("Exception"), r.err());
  }

  @Test
  void unreachableNoiseTargetIsAClearError() {
    Run r = run("privacy", "noise", "--epsilon", "0.0001", "--delta", "1e-5", "--sampling-rate",
        "1", "--steps", "1000000", "--accountant", "rdp");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("out of reach"), r.err());
  }
}
