package io.dpstream.snapshot;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One model output: a class with its probabilities, or a numeric value (regression, e.g. a
 * rating). Build with {@link #classification} or {@link #regression}.
 *
 * @param value the predicted class index for a classification, the predicted value for a
 *     regression; finite
 * @param probabilities class probabilities for a classification (non-empty), empty for a
 *     regression; copied in and out
 */
public record Prediction(double value, float[] probabilities) {

  public Prediction {
    if (!Double.isFinite(value)) throw new IllegalArgumentException("value must be finite");
    Objects.requireNonNull(probabilities, "probabilities");
    probabilities = probabilities.clone();
  }

  /** A classification: the label is the index of the largest probability (the first on ties). */
  public static Prediction classification(float[] probabilities) {
    if (probabilities.length == 0) {
      throw new IllegalArgumentException("probabilities must not be empty for a classification");
    }
    int best = 0;
    for (int i = 1; i < probabilities.length; i++) {
      if (probabilities[i] > probabilities[best]) best = i;
    }
    return new Prediction(best, probabilities);
  }

  /** A regression output. */
  public static Prediction regression(double value) {
    return new Prediction(value, new float[0]);
  }

  /** The predicted class, empty for a regression. */
  public OptionalInt label() {
    return probabilities.length == 0 ? OptionalInt.empty() : OptionalInt.of((int) value);
  }

  @Override
  public float[] probabilities() {
    return probabilities.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction p
        && Double.compare(value, p.value) == 0
        && Arrays.equals(probabilities, p.probabilities);
  }

  @Override
  public int hashCode() {
    return 31 * Double.hashCode(value) + Arrays.hashCode(probabilities);
  }

  @Override
  public String toString() {
    return label().isPresent()
        ? "Prediction[label=" + (int) value + ", probabilities=" + Arrays.toString(probabilities)
            + "]"
        : "Prediction[value=" + value + "]";
  }
}
