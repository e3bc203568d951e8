package io.dpstream.dp;

/**
 * One training record as the engine sees it.
 *
 * @param features dense features, flattened in row-major order of {@link ModelSpec#input()}
 *     (length {@link ModelSpec#featureCount()}); may be empty for models without dense input
 * @param categoricalIds one id per embedding field, each in [0, vocabulary); empty without
 *     embedding
 * @param label class index in [0, classes) for classification, else null
 * @param target regression target for regression, else null
 * @param weight weight of this record's loss within its user's mean, finite and >= 0 (usually 1)
 */
public record Example(float[] features, int[] categoricalIds, Integer label, Double target, float weight) {

  public Example {
    if (features == null) {
      features = new float[0];
    }
    if (categoricalIds == null) {
      categoricalIds = new int[0];
    }
    if (!(weight >= 0) || Float.isInfinite(weight)) {
      throw new IllegalArgumentException("example.weight must be finite and >= 0, got " + weight);
    }
  }

  /** A classification example with weight 1. */
  public static Example classification(float[] features, int label) {
    return new Example(features, null, label, null, 1f);
  }

  /** A regression example with weight 1. */
  public static Example regression(float[] features, int[] categoricalIds, double target) {
    return new Example(features, categoricalIds, null, target, 1f);
  }
}
