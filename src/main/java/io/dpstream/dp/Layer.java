package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * One layer of a {@link DpModel}. A layer with parameters must have a {@link GhostRule} registered
 * for its exact class in {@link GhostRules}, and must pass its output through {@link Tape#watch}
 * so the rule gets its per-example output gradients.
 */
interface Layer {

  /** Name used in errors: the layer's index and type, e.g. {@code "layer 2 (conv2d)"}. */
  String describe();

  /** Trainable parameters in a fixed order (empty for activations and pooling). */
  List<Parameter> parameters();

  /**
   * Forward pass of a batch.
   *
   * @param x output of the previous layer (the batch's dense features for the first)
   * @param batch the whole batch (categorical ids for embeddings)
   * @param tape where to record inputs and probes, or null for plain forward passes
   */
  NDArray forward(NDArray x, Batch batch, Tape tape);
}
