package io.dpstream.dp;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch records autograd graphs per thread, and DJL's PyTorch engine turns recording off only
 * in the thread that loads the engine. Every other thread starts with recording on, so arithmetic
 * done after a backward pass (ghost-norm rules, the optimiser's in-place updates) would be recorded
 * into graphs that hang off the parameters, and the next step's backward fails with "Trying to
 * backward through the graph a second time". Entry points call {@link #offOutsideCollectors()}
 * first; {@code GradientCollector} turns recording on for its own scope and restores it.
 */
final class ThreadGradMode {
  private ThreadGradMode() {}

  /** Turns autograd recording off on the calling thread, if it is on. */
  static void offOutsideCollectors() {
    if (JniUtils.isGradMode()) JniUtils.setGradMode(false);
  }
}
