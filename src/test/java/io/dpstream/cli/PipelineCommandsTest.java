package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The pipeline commands end to end on their embedded broker: the demo prints one line per step,
 * and short smoke versions of the experiments train through gate and trainer and beat chance
 * (the full MNIST experiments are in BENCHMARKS.md). The MNIST smoke run once went NaN in about
 * one run in three, from an infinite noise coordinate fixed in {@code GaussianNoise}; the trainer
 * now also refuses non-finite parameters, which would fail this test rather than pass it.
 */
class PipelineCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Run(int exit, String out) {}

  /** Runs a command, capturing what it prints on stdout. */
  private static Run run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int exit = DpstreamCommand.commandLine().execute(args);
      return new Run(exit, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  @Test
  void theDemoPrintsOneLinePerStepAndStops() {
    Run r = run("demo", "--steps", "4", "--metrics-port", "0", "--set", "gate.stepPeriod=500ms");
    assertEquals(0, r.exit(), r.out());
    List<String> steps = r.out().lines().filter(l -> l.startsWith("step ")).toList();
    assertEquals(4, steps.size(), r.out());
    assertTrue(steps.get(3).matches("step +4 \\| users charged +\\d+ .*snapshot v\\d+.*"), steps.get(3));
  }

  @Test
  void aSyntheticExperimentLearnsWithinItsBudget() throws Exception {
    Run r = run("experiment", "--dataset", "synthetic", "--epsilon", "2", "--steps", "30",
        "--limit", "3000", "--batch", "300", "--step-period", "100ms", "--json");
    assertEquals(0, r.exit(), r.out());
    JsonNode j = JSON.readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
    assertEquals(30, j.get("steps").asLong());
    assertTrue(j.get("max_user_epsilon").asDouble() <= 2.0, j.toString());
    assertTrue(j.get("private").asBoolean(), j.toString());
    // Four classes: chance is 0.25.
    assertTrue(j.get("accuracy").asDouble() > 0.5, j.toString());
  }

  @Test
  void theNonPrivateReferenceSaysSoAndLearns() throws Exception {
    Run r = run("experiment", "--dataset", "synthetic", "--non-private", "--steps", "30",
        "--limit", "3000", "--batch", "300", "--json");
    assertEquals(0, r.exit(), r.out());
    JsonNode j = JSON.readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
    assertFalse(j.get("private").asBoolean(), j.toString());
    assertTrue(j.get("epsilon").isNull(), j.toString());
    assertTrue(j.get("accuracy").asDouble() > 0.5, j.toString());
    assertTrue(j.get("majority_class_accuracy").asDouble() < 0.4, j.toString());
  }

  @Test
  void anExperimentWithoutEpsilonIsRefusedUnlessNonPrivate() {
    assertEquals(2, run("experiment", "--dataset", "synthetic", "--json").exit());
  }

  @Test
  void anMnistSmokeExperimentBeatsChance() throws Exception {
    Path mnist = Path.of(System.getenv().getOrDefault("DPSTREAM_SHARED_DATA", "../shared/data"), "mnist");
    Assumptions.assumeTrue(Files.isDirectory(mnist), "MNIST not found at " + mnist);
    Run r = run("experiment", "--dataset", "mnist", "--data", mnist.toString(), "--epsilon", "8",
        "--model", "mlp:784-64-10", "--steps", "40", "--limit", "5000", "--batch", "500",
        "--lr", "0.5", "--step-period", "100ms", "--json");
    assertEquals(0, r.exit(), r.out());
    JsonNode j = JSON.readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
    assertEquals(40, j.get("steps").asLong());
    assertTrue(j.get("max_user_epsilon").asDouble() <= 8.0, j.toString());
    // Ten classes: chance is 0.1, the majority class about 0.11.
    assertTrue(j.get("accuracy").asDouble() > 0.5, j.toString());
  }
}
