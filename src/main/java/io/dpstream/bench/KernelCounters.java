package io.dpstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two counters of the Linux kernel that explain much of a CPU benchmark's spread on a virtual
 * machine: the process's minor page faults (memory it touches for the first time since the
 * allocator handed it back) and the machine's steal time (time the hypervisor ran other guests on
 * its CPUs). Both read -1 where /proc is unavailable.
 */
final class KernelCounters {
  private static final Path SELF_STAT = Path.of("/proc/self/stat");
  private static final Path STAT = Path.of("/proc/stat");

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
}
