package io.dpstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the Linux kernel counts for the benchmarks, from /proc: the process's resident memory and
 * its peak; and two counters that explain much of a CPU benchmark's spread on a virtual machine,
 * the process's minor page faults (memory it touches for the first time since the allocator
 * handed it back) and the machine's steal time (time the hypervisor ran other guests on its CPUs).
 * Memory reads 0 and the counters -1 where /proc is unavailable.
 */
final class KernelCounters {
  private static final Path SELF_STAT = Path.of("/proc/self/stat");
  private static final Path STAT = Path.of("/proc/stat");
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private KernelCounters() {}

  /** Minor page faults of this process so far (field 10 of /proc/self/stat, proc(5)). */
  static long minorFaults() {
    try {
      String stat = Files.readString(SELF_STAT);
      // the command name (field 2) is in parentheses and may contain spaces
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[7]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The machine's CPU time so far, in clock ticks: steal and the total of all states. */
  record CpuTime(long steal, long total) {
    /** The share of CPU time stolen between {@code earlier} and this sample; -1 if unknown. */
    double stealFractionSince(CpuTime earlier) {
      long total = this.total - earlier.total;
      return steal < 0 || earlier.steal < 0 || total <= 0 ? -1
          : (double) (steal - earlier.steal) / total;
    }
  }

  /** From the first ("cpu") line of /proc/stat: user nice system idle iowait irq softirq steal. */
  static CpuTime cpuTime() {
    try (var lines = Files.lines(STAT)) {
      String[] f = lines.findFirst().orElse("").trim().split("\\s+");
      long total = 0;
      for (int i = 1; i <= 8 && i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      return new CpuTime(f.length > 8 ? Long.parseLong(f[8]) : -1, total);
    } catch (IOException | RuntimeException e) {
      return new CpuTime(-1, -1);
    }
  }

  /** Resets the peak resident set (VmHWM) to the current one and returns that, in bytes. */
  static long resetPeakResidentBytes() {
    try {
      Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return statusBytes("VmRSS:");
  }

  /** The peak resident set (VmHWM) in bytes. */
  static long peakResidentBytes() {
    return statusBytes("VmHWM:");
  }

  private static long statusBytes(String name) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.substring(name.length()).replace("kB", "").strip()) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
