package io.dpstream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KernelCountersTest {

  @Test
  void stealFractionIsStealOverAllTimeBetweenSamples() {
    KernelCounters.CpuTime before = new KernelCounters.CpuTime(100, 10_000);
    assertEquals(0.25, new KernelCounters.CpuTime(150, 10_200).stealFractionSince(before), 1e-12);
    assertEquals(-1, new KernelCounters.CpuTime(-1, -1).stealFractionSince(before));
    assertEquals(-1, before.stealFractionSince(before)); // no time passed
  }

  @Test
  void touchingFreshMemoryCountsPageFaults() {
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc");
    long before = KernelCounters.minorFaults();
    // 48 MiB: above glibc's largest mmap threshold, so a fresh mapping whatever ran before
    ByteBuffer fresh = ByteBuffer.allocateDirect(48 << 20);
    for (int page = 0; page < fresh.capacity(); page += 4096) {
      fresh.put(page, (byte) 1);
    }
    long faults = KernelCounters.minorFaults() - before;
    assertTrue(faults >= 10_000, faults + " faults for 12,288 fresh pages");
    KernelCounters.CpuTime now = KernelCounters.cpuTime();
    assertTrue(now.total() > 0 && now.steal() >= 0, now.toString());
  }
}
