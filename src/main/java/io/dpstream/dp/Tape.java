package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records, during one forward pass, each parameterised layer's input and a zero "probe" added to
 * its output (the first such layer's output is its own probe). After {@code backward} of the
 * summed per-example loss, a probe's gradient is dL_i/d(output_i) for every example i: the
 * per-example output gradients the ghost rules need, without autograd ever forming per-example
 * weight gradients (see DESIGN §4).
 */
final class Tape {

  /**
   * One recorded site: the layer's input (or ids) and the array whose gradient is the layer's
   * output gradient: a probe added to the output, or the output itself (see {@link #watch}).
   */
  record Tap(NDArray input, NDArray probe) {
    /** dL/d(output) per example; valid after backward. */
    NDArray outputGradient() {
      return probe.getGradient();
    }
  }

  private final NDManager manager;
  private final Map<Layer, List<Tap>> taps = new IdentityHashMap<>();
  /** The first layer watched in this pass, whose outputs are leaves (see {@link #watch}). */
  private Layer firstLayer;

  Tape(NDManager manager) {
    this.manager = manager;
  }

  /**
   * Watches {@code output} when recording; returns the output to continue with.
   *
   * <p>The first parameterised layer of a forward pass computes its outputs from the batch and
   * from parameters, and during a DP step neither needs a gradient: its outputs are leaves of the
   * graph. Each is marked as needing a gradient and recorded itself, so that its gradient after
   * backward is dL/d(output), and no output-sized probe or addition is spent on what is the
   * largest activation of most models. The outputs of later layers depend on those leaves and
   * get a zero probe added. (The rule is structural on purpose: DJL reports {@code requires_grad}
   * as false for intermediate results that do carry a gradient.)
   */
  static NDArray watch(Tape tape, Layer layer, NDArray input, NDArray output) {
    if (tape == null) {
      return output;
    }
    if (tape.firstLayer == null) {
      tape.firstLayer = layer;
    }
    NDArray probe;
    if (layer == tape.firstLayer) {
      output.setRequiresGradient(true);
      probe = output;
    } else {
      probe = tape.manager.zeros(output.getShape(), output.getDataType(), output.getDevice());
      probe.setRequiresGradient(true);
      // in place: the layers watched here do not keep their output for backward, so autograd
      // accepts it, and no second output-sized array is made
      output.addi(probe);
    }
    tape.taps.computeIfAbsent(layer, k -> new ArrayList<>()).add(new Tap(input, probe));
    return output;
  }

  List<Tap> taps(Layer layer) {
    return taps.getOrDefault(layer, List.of());
  }
}
