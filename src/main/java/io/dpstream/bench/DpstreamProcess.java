package io.dpstream.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code dpstream} subcommand running as a separate operating-system process: {@code java -cp
 * <this JVM's class path> io.dpstream.cli.DpstreamCommand ...}, so that it works from the shaded
 * jar and from a test class path alike. Its stdout and stderr go to files (one pair per
 * incarnation) so that a fault run can be read afterwards.
 *
 * <p>{@link #kill()} sends SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook
 * runs, nothing is flushed, no consumer group is left; {@link #stop(Duration)} sends SIGTERM and
 * waits for the shutdown hooks.
 */
final class DpstreamProcess {
  private static final String MAIN = "io.dpstream.cli.DpstreamCommand";

  /**
   * For processes that are killed and restarted often on a small machine: cheap start-up (the C1
   * compiler only) and one GC thread. Not for throughput measurements.
   */
  static final List<String> QUICK_START = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final long startedNanos = System.nanoTime();

  private DpstreamProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code dpstream <args>} in a new JVM.
   *
   * @param name a label for the log files, e.g. {@code gate-3}
   * @param logDir where {@code <name>.out} and {@code <name>.err} are written
   * @param maxHeap the child's {@code -Xmx}, e.g. {@code 384m}
   * @param jvmOptions further JVM options, e.g. {@link #QUICK_START}
   */
  static DpstreamProcess start(
      String name, Path logDir, String maxHeap, List<String> jvmOptions, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.addAll(jvmOptions);
    command.add("-Dai.djl.offline=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(MAIN);
    command.addAll(args);
    Path out = logDir.resolve(name + ".out");
    Path err = logDir.resolve(name + ".err");
    try {
      Files.createDirectories(logDir);
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      return new DpstreamProcess(name, p, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start dpstream " + args, e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Seconds since this incarnation was started. */
  double ageSeconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** The exit code, when it has exited. */
  Optional<Integer> exitCode() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** SIGKILL, then waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGKILL without waiting: for a harness that is itself shutting down. */
  void destroyNow() {
    process.destroyForcibly();
  }

  /**
   * SIGTERM (the shutdown hooks run: the gate commits and leaves its group, the trainer aborts its
   * open transaction); SIGKILL if it has not exited within {@code grace}.
   *
   * @return true if it exited by itself within {@code grace}
   */
  boolean stop(Duration grace) throws InterruptedException {
    process.destroy();
    if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) return true;
    kill();
    return false;
  }

  /** The process's stdout so far. */
  String stdout() {
    return read(stdout);
  }

  /** The process's stderr so far. */
  String stderr() {
    return read(stderr);
  }

  /**
   * Waits until a line of stdout matches {@code pattern}, and returns the match.
   *
   * @throws IllegalStateException if the process exits or {@code timeout} passes first
   */
  Matcher awaitStdout(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher m = pattern.matcher(stdout());
      if (m.find()) return m;
      if (!process.isAlive())
        throw new IllegalStateException(
            name + " exited with code " + process.exitValue() + " before printing " + pattern
                + "; its log: " + stderr);
      if (System.nanoTime() > deadline)
        throw new IllegalStateException(name + " did not print " + pattern + " within " + timeout);
      Thread.sleep(100);
    }
  }

  /** Resident set size in bytes (Linux {@code /proc/<pid>/status}), empty where unavailable. */
  Optional<Long> residentBytes() {
    return residentBytes(process.pid());
  }

  static Optional<Long> residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Optional.of(Long.parseLong(kb) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return Optional.empty();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
