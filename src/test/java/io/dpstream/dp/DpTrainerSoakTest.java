package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The memory promise taken literally: a 10,000-step run does not grow in memory. Where
 * {@code DpTrainerTest.nativeMemoryDoesNotGrowAcrossSteps} counts the engine's arrays and direct
 * buffers, this watches the resident set, which also sees native allocations no Java object
 * accounts for (autograd graphs kept alive, gradients never freed, allocator growth). The steps
 * run in a child JVM whose heap is fixed and touched up front, so that heap growth, which the
 * collector decides, does not show up as memory growth.
 */
class DpTrainerSoakTest {
  private static final int WARMUP = 1_000;
  private static final int STEPS = 10_000;
  /** mlp:256-128-10 has 34,314 parameters: leaking one param-sized array per step adds 134 KiB. */
  private static final long ALLOWED_GROWTH = 16L << 20;

  @Test
  @EnabledOnOs(OS.LINUX)
  void tenThousandStepsDoNotGrowTheResidentSet() throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(java, "-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch",
        "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
        Child.class.getName())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(child.waitFor(5, TimeUnit.MINUTES), "soak run did not finish");
    assertEquals(0, child.exitValue(), "soak run failed: " + out);
    long[] rss = Arrays.stream(out.split(",")).mapToLong(Long::parseLong).toArray();
    assertEquals(STEPS / 1_000 + 1, rss.length, out);
    // The allocator and the code cache move the resident set by a few MiB either way (measured:
    // 402 to 419 MiB and back to 413 within one run), so the lowest of the last three samples is
    // compared with the highest of the first three: a leak of a param-sized array per step would
    // still show as tens of MiB.
    long first = Math.max(rss[0], Math.max(rss[1], rss[2]));
    long last = Math.min(rss[rss.length - 3], Math.min(rss[rss.length - 2], rss[rss.length - 1]));
    long growth = last - first;
    assertTrue(growth < ALLOWED_GROWTH, "resident set grew by " + (growth >> 10)
        + " KiB over 10,000 steps; samples (MiB) every 1,000 steps: " + mib(rss));
  }

  /** The soak run: prints the resident set in bytes every 1,000 steps, comma-separated. */
  public static final class Child {
    public static void main(String[] args) throws IOException {
      ModelSpec spec = ModelSpec.parse("mlp:256-128-10");
      DpSgdConfig config = DpSgdConfig.of(1.0, 1.0, 16).withMaxRecordsPerUser(2)
          .withOptimizer(OptimizerConfig.adam(0.001, 0.01)).withDevice(DeviceChoice.CPU);
      Random r = new Random(5);
      List<List<UserExamples>> batches = new ArrayList<>();
      for (int b = 0; b < 8; b++) {
        batches.add(GhostClipperTest.randomUsers(spec, 8 + 2 * b, 2, r));
      }
      batches.add(List.of());
      List<String> samples = new ArrayList<>();
      try (DpTrainer t = DpTrainer.create(spec, config)) {
        for (int s = 0; s < WARMUP + STEPS; s++) {
          t.step(batches.get(s % batches.size()));
          if (s >= WARMUP && (s - WARMUP) % 1_000 == 0) {
            samples.add(Long.toString(residentBytes()));
          }
        }
        t.awaitBackgroundWork();
        samples.add(Long.toString(residentBytes()));
      }
      System.out.println(String.join(",", samples));
    }
  }

  private static String mib(long[] v) {
    StringBuilder sb = new StringBuilder();
    for (long x : v) {
      sb.append(sb.length() == 0 ? "" : ", ").append(x >> 20);
    }
    return sb.toString();
  }

  /** VmRSS of this process, from /proc/self/status (kB). */
  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
