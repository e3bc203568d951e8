package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records, during one forward pass, each parameterised layer's input and a zero "probe" added to
 * its output. After {@code backward} of the summed per-example loss, a probe's gradient is
 * dL_i/d(output_i) for every example i: the per-example output gradients the ghost rules need,
 * without autograd ever forming per-example weight gradients (see DESIGN §4).
 */
final class Tape {

  /** One recorded site: the layer's input (or ids) and the probe on its output. */
  record Tap(NDArray input, NDArray probe) {
    /** dL/d(output) per example; valid after backward. */
    NDArray outputGradient() {
      return probe.getGradient();
    }
  }

  private final NDManager manager;
  private final Map<Layer, List<Tap>> taps = new IdentityHashMap<>();

  Tape(NDManager manager) {
    this.manager = manager;
  }

  /** Adds a probe to {@code output} when recording; returns the output to continue with. */
  static NDArray watch(Tape tape, Layer layer, NDArray input, NDArray output) {
    if (tape == null) {
      return output;
    }
    NDArray probe = tape.manager.zeros(output.getShape(), output.getDataType(), output.getDevice());
    probe.setRequiresGradient(true);
    tape.taps.computeIfAbsent(layer, k -> new ArrayList<>()).add(new Tap(input, probe));
    // in place: the layers watched here do not keep their output for backward, so autograd
    // accepts it, and no second output-sized array is made
    return output.addi(probe);
  }

  List<Tap> taps(Layer layer) {
    return taps.getOrDefault(layer, List.of());
  }
}
