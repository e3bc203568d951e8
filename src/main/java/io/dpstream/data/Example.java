package io.dpstream.data;

import io.dpstream.avro.TrainingRecord;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.PrimitivesArrays;

/**
 * One example read from a data set, in the shape of {@code schemas/TrainingRecord.avsc} but
 * before a user id and an event time are assigned (see {@link UserIdAssignment} and {@link
 * EventTimeAssignment}).
 *
 * <p>Exactly one of {@code label} (classification, in {@code [0, classes)}) and {@code target}
 * (regression) is present. {@code userId} and {@code eventTimeMillis} are the data set's own
 * values where it has them (MovieLens, a CSV user or time column, the synthetic source), else
 * null.
 *
 * <p>For memory's sake the arrays are not copied: an example owns the arrays it is given and
 * nobody may modify them afterwards.
 *
 * @param features dense features, finite values (may be empty, e.g. MovieLens)
 * @param categoricalIds non-negative categorical ids, one per embedding field (may be empty)
 * @param label class label, or null for regression
 * @param target regression target, or null for classification
 * @param weight example weight, or null for 1
 * @param userId the data set's own user id, or null when it has none
 * @param eventTimeMillis the data set's own event time in milliseconds since the epoch, or null
 */
public record Example(
    float[] features,
    int[] categoricalIds,
    Integer label,
    Double target,
    Float weight,
    String userId,
    Long eventTimeMillis) {

  private static final Schema FEATURES_SCHEMA =
      TrainingRecord.SCHEMA$.getField("features").schema();
  private static final Schema CATEGORICAL_SCHEMA =
      TrainingRecord.SCHEMA$.getField("categoricalIds").schema();

  private static final int[] NO_IDS = new int[0];

  /**
   * Validates every field once.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public Example {
    Objects.requireNonNull(features, "features");
    if (categoricalIds == null) categoricalIds = NO_IDS;
    for (int i = 0; i < features.length; i++) {
      if (!Float.isFinite(features[i])) {
        throw new IllegalArgumentException("features[" + i + "] is not finite: " + features[i]);
      }
    }
    for (int i = 0; i < categoricalIds.length; i++) {
      if (categoricalIds[i] < 0) {
        throw new IllegalArgumentException(
            "categoricalIds[" + i + "] is negative: " + categoricalIds[i]);
      }
    }
    if ((label == null) == (target == null)) {
      throw new IllegalArgumentException("exactly one of label and target must be present");
    }
    if (label != null && label < 0) {
      throw new IllegalArgumentException("label is negative: " + label);
    }
    if (target != null && !Double.isFinite(target)) {
      throw new IllegalArgumentException("target is not finite: " + target);
    }
    if (weight != null && !(weight >= 0 && Float.isFinite(weight))) {
      throw new IllegalArgumentException("weight must be finite and >= 0: " + weight);
    }
    if (userId != null && userId.isEmpty()) {
      throw new IllegalArgumentException("userId is empty (use null for none)");
    }
  }

  /** A classification example without user id or time. */
  public static Example classified(float[] features, int label) {
    return new Example(features, NO_IDS, label, null, null, null, null);
  }

  /**
   * The Avro record to publish, with the given user id and event time. The feature and id lists
   * are Avro primitive arrays (no boxed element per value).
   *
   * @throws IllegalArgumentException if {@code userId} is null or empty
   */
  public TrainingRecord toRecord(String userId, long eventTimeMillis) {
    if (userId == null || userId.isEmpty()) {
      throw new IllegalArgumentException("userId must be non-empty");
    }
    PrimitivesArrays.FloatArray f = new PrimitivesArrays.FloatArray(features.length, FEATURES_SCHEMA);
    for (float v : features) f.add(f.size(), v);
    PrimitivesArrays.IntArray c =
        new PrimitivesArrays.IntArray(categoricalIds.length, CATEGORICAL_SCHEMA);
    for (int v : categoricalIds) c.add(c.size(), v);
    return new TrainingRecord(
        userId, Instant.ofEpochMilli(eventTimeMillis), f, c, label, target, weight);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Example e
        && Arrays.equals(features, e.features)
        && Arrays.equals(categoricalIds, e.categoricalIds)
        && Objects.equals(label, e.label)
        && Objects.equals(target, e.target)
        && Objects.equals(weight, e.weight)
        && Objects.equals(userId, e.userId)
        && Objects.equals(eventTimeMillis, e.eventTimeMillis);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Arrays.hashCode(features),
        Arrays.hashCode(categoricalIds),
        label,
        target,
        weight,
        userId,
        eventTimeMillis);
  }

  @Override
  public String toString() {
    return "Example[features=" + features.length + " values, categoricalIds="
        + Arrays.toString(categoricalIds) + ", label=" + label + ", target=" + target
        + ", weight=" + weight + ", userId=" + userId + ", eventTimeMillis=" + eventTimeMillis + "]";
  }
}
