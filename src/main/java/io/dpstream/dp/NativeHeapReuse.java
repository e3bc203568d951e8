package io.dpstream.dp;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Lets the C allocator keep freed step arrays for reuse, so that each step does not pay page
 * faults for memory the previous step just gave back.
 *
 * <p>PyTorch's CPU arrays come from the C library's {@code malloc}. glibc serves blocks at or above
 * its mmap threshold (initially 128 KiB) with fresh mappings, and returns free memory at the top of
 * its heap to the system once it exceeds the trim threshold. Both thresholds adjust themselves:
 * when a block that was mapped is freed, the mmap threshold rises to that block's size (up to 32
 * MiB on 64-bit systems) and the trim threshold to twice that (mallopt(3), "M_MMAP_THRESHOLD").
 * Left alone, they settle near the size of a step's largest array (3.1 MiB for a 784×1000 weight):
 * a step then grows the heap by a few such arrays and the next free trims it again, and every page
 * of the regrown heap is a page fault (about 3 µs each on the 2-core CPU machine; 200 to 1,800 per
 * step of {@code mlp:784-1000-10}, up to a third of the step's time, and a main cause of the
 * run-to-run spread). Mapping and freeing one array just under 32 MiB once, before training,
 * raises both thresholds to their maximum: arrays under 32 MiB then come from the heap, and up to
 * 64 MiB of free heap is kept for the next step (measured: about 100 faults per step, either kind).
 *
 * <p>The cost is that much free memory kept per allocator arena. Elsewhere than glibc, or where
 * {@code MALLOC_MMAP_THRESHOLD_} (or another malloc variable) is set, which turns the adjustment
 * off, this is one short-lived unused mapping and nothing more.
 */
final class NativeHeapReuse {
  /** Float32 elements of the array: 32 MiB less 128 KiB, so the mapping stays within 32 MiB. */
  private static final long ELEMENTS = (32L << 20) / 4 - (32 << 10);
  private static boolean done;

  private NativeHeapReuse() {}

  /** Raises the allocator's thresholds once per process, for arrays on {@code device}'s CPU. */
  static synchronized void enable(Device device) {
    if (done || !device.equals(Device.cpu())) {
      return;
    }
    done = true;
    try (NDManager m = NDManager.newBaseManager(device)) {
      // never written: the mapping is made and freed without a page being touched
      m.create(new Shape(ELEMENTS), DataType.FLOAT32).close();
    }
  }
}
