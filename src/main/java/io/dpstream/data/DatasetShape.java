package io.dpstream.data;

import java.util.List;

/**
 * What a model needs to know about a data set's examples: the dense input width, the number of
 * classes (0 for a regression target), and the size of each categorical id space (the embedding
 * vocabularies, in the order of {@link Example#categoricalIds()}).
 *
 * @param features number of dense features per example, >= 0
 * @param classes number of classes for classification, or 0 when examples carry a regression
 *     target
 * @param categoricalCardinalities id space size of each categorical field; ids lie in {@code [0,
 *     size)}
 */
public record DatasetShape(int features, int classes, List<Integer> categoricalCardinalities) {

  /** @throws IllegalArgumentException naming the field that is out of range */
  public DatasetShape {
    if (features < 0) throw new IllegalArgumentException("features must be >= 0: " + features);
    if (classes < 0 || classes == 1) {
      throw new IllegalArgumentException("classes must be 0 (regression) or >= 2: " + classes);
    }
    categoricalCardinalities = List.copyOf(categoricalCardinalities);
    for (int c : categoricalCardinalities) {
      if (c < 1) throw new IllegalArgumentException("categorical cardinality must be >= 1: " + c);
    }
  }

  /** A classification shape with no categorical fields. */
  public static DatasetShape classification(int features, int classes) {
    return new DatasetShape(features, classes, List.of());
  }

  /** True when examples carry a class label; false when they carry a regression target. */
  public boolean isClassification() {
    return classes > 0;
  }
}
