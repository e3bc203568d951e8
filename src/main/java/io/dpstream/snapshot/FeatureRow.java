package io.dpstream.snapshot;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input row for prediction, shaped like a {@code TrainingRecord} without its label: dense
 * features and the categorical ids of the model's embedding fields.
 *
 * @param features dense features, finite values; copied in and out
 * @param categoricalIds one id per embedding field, empty when the model has none; copied in and
 *     out
 */
public record FeatureRow(float[] features, int[] categoricalIds) {

  public FeatureRow {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(categoricalIds, "categoricalIds");
    features = features.clone();
    categoricalIds = categoricalIds.clone();
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException("features[" + i + "] is not finite: " + features[i]);
      }
    }
  }

  @Override
  public float[] features() {
    return features.clone();
  }

  @Override
  public int[] categoricalIds() {
    return categoricalIds.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureRow r
        && Arrays.equals(features, r.features)
        && Arrays.equals(categoricalIds, r.categoricalIds);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(features) + Arrays.hashCode(categoricalIds);
  }

  @Override
  public String toString() {
    return "FeatureRow[features=" + Arrays.toString(features) + ", categoricalIds="
        + Arrays.toString(categoricalIds) + "]";
  }
}
