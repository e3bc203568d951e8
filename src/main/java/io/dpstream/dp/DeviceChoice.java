package io.dpstream.dp;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where the model lives. {@code AUTO} takes the first GPU when DJL's PyTorch engine sees CUDA and
 * the CPU otherwise; {@code GPU} insists on one. Offline, a CUDA build of libtorch must be
 * installed and named by the environment variable PYTORCH_LIBRARY_PATH (see README).
 */
public enum DeviceChoice {
  AUTO,
  CPU,
  GPU;

  /** Parses {@code auto|cpu|gpu}, case-insensitive. */
  public static DeviceChoice parse(String s) {
    try {
      return valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("device must be auto, cpu or gpu, got '" + s + "'");
    }
  }

  /**
   * The DJL device.
   *
   * @throws IllegalArgumentException for GPU when the engine sees no GPU
   */
  public Device resolve() {
    int gpus = Engine.getInstance().getGpuCount();
    return switch (this) {
      case CPU -> Device.cpu();
      case AUTO -> gpus > 0 ? Device.gpu() : Device.cpu();
      case GPU -> {
        if (gpus == 0) {
          throw new IllegalArgumentException("device gpu requested but the PyTorch engine sees no "
              + "CUDA device; install a CUDA libtorch and set PYTORCH_LIBRARY_PATH, or use auto");
        }
        yield Device.gpu();
      }
    };
  }
}
