package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchStepCommandTest {

  @Test
  void printsThroughputRatioAndMemoryAsJson() throws Exception {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.out;
    int rc;
    try {
      System.setOut(new java.io.PrintStream(stdout, true, java.nio.charset.StandardCharsets.UTF_8));
      rc = cl.execute("bench", "step", "--model", "logreg:20-3", "--batch", "16", "--steps", "3",
          "--warmup", "1", "--warmup-seconds", "0", "--device", "cpu", "--json");
    } finally {
      System.setOut(saved);
    }
    assertEquals(0, rc);
    JsonNode json = new ObjectMapper().readTree(stdout.toString(java.nio.charset.StandardCharsets.UTF_8));
    for (String field : new String[] {"dp_examples_per_second", "plain_examples_per_second",
        "ratio", "dp_step_cpu_ms_mean", "plain_step_cpu_ms_mean", "dp_peak_memory_bytes",
        "plain_peak_memory_bytes", "dp_sustained_examples_per_second",
        "plain_sustained_examples_per_second", "sustained_ratio", "dp_page_faults_per_step",
        "plain_page_faults_per_step", "cpu_steal_fraction", "warmup_steps"}) {
      assertTrue(json.has(field), field + " in " + json);
    }
    assertTrue(json.get("dp_examples_per_second").asDouble() > 0);
    assertEquals(1, json.get("warmup_steps").asInt(), "no time floor asked for");
    // the process CPU clock ticks in 10 ms, so three tiny steps may read zero; never negative or NaN
    double cpu = json.get("dp_step_cpu_ms_mean").asDouble();
    assertTrue(cpu >= 0 && Double.isFinite(cpu), "dp_step_cpu_ms_mean " + cpu);
    assertEquals(json.get("dp_examples_per_second").asDouble()
        / json.get("plain_examples_per_second").asDouble(), json.get("ratio").asDouble(), 1e-2);
    assertTrue(json.get("dp_sustained_examples_per_second").asDouble() > 0);
    // -1 only where /proc is missing; a fraction otherwise
    double steal = json.get("cpu_steal_fraction").asDouble();
    assertTrue(steal == -1 || (steal >= 0 && steal <= 1), "cpu_steal_fraction " + steal);
    assertTrue(json.get("dp_page_faults_per_step").asDouble() >= -1);
    assertEquals(json.get("dp_sustained_examples_per_second").asDouble()
            / json.get("plain_sustained_examples_per_second").asDouble(),
        json.get("sustained_ratio").asDouble(), 1e-2);
  }

  @Test
  void badModelSpecIsAOneLineErrorWithExitCode2() {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("bench", "step", "--model", "mlp:784-x-10");
    assertEquals(2, rc);
    assertTrue(err.toString().contains("bad model spec"), err.toString());
  }
}
