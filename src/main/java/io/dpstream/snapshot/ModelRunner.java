package io.dpstream.snapshot;

import java.util.List;

/**
 * A model built from one snapshot, ready to predict. It may hold native memory (DJL arrays), so it
 * is closed when replaced; {@code serve} closes it only after its last in-flight request.
 * Implementations must allow concurrent {@link #predict} calls.
 */
public interface ModelRunner extends AutoCloseable {

  /**
   * Predicts one output per row, in row order.
   *
   * @param features dense features per row
   * @param categoricalIds categorical ids per row (same size as {@code features}; empty arrays
   *     when the model has no embeddings)
   * @return one prediction per row
   * @throws IllegalArgumentException if a row does not fit the model (width, id range), with a
   *     message naming the row
   */
  List<Prediction> predict(List<float[]> features, List<int[]> categoricalIds);

  /** Releases what the model holds; no call to {@link #predict} follows. */
  @Override
  void close();
}
