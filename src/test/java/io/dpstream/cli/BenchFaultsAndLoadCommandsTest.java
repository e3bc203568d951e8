package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Argument checks of {@code bench faults} and {@code bench load}: nothing starts on bad input. */
class BenchFaultsAndLoadCommandsTest {

  static String run(int expectedCode, String... args) {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(expectedCode, cl.execute(args), err.toString());
    return err.toString();
  }

  @Test
  void faultsRefusesFewerThanOneKill() {
    String err = run(2, "bench", "faults", "--kills", "0");
    assertTrue(err.contains("kills must be >= 1"), err);
    assertEquals(1, err.strip().lines().count(), err);
  }

  @Test
  void faultsRefusesTooFewUsers() {
    String err = run(2, "bench", "faults", "--users", "3");
    assertTrue(err.contains("users must be >= 8"), err);
  }

  @Test
  void loadRefusesANonPositiveRateOrDuration() {
    assertTrue(run(2, "bench", "load", "--rate", "0").contains("rate must be >= 1"));
    assertTrue(run(2, "bench", "load", "--minutes", "0").contains("minutes must be > 0"));
  }

  @Test
  void bothDescribeTheirChecks() {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("bench", "faults", "--help"));
    assertTrue(out.toString().contains("--seed") && out.toString().contains("--kills"), out.toString());
    assertEquals(0, cl.execute("bench", "load", "--help"));
    assertTrue(out.toString().contains("--minutes") && out.toString().contains("--rate"), out.toString());
  }
}
