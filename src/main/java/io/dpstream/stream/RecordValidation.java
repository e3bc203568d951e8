package io.dpstream.stream;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.GateSection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes and validates one input record against the gate's configuration. Pure: no Kafka, no
 * state. The first rule a record breaks decides its dead-letter reason.
 */
public final class RecordValidation {
  /** The outcome of validating one record: either {@code record} or a {@code reason}. */
  public record Verdict(TrainingRecord record, DeadLetterReason reason, String detail) {
    public boolean valid() {
      return reason == null;
    }

    static Verdict dead(DeadLetterReason reason, String detail) {
      return new Verdict(null, reason, detail);
    }
  }

  private final int featureCount;
  private final int labelClasses;
  private final int maxRecordBytes;

  public RecordValidation(GateSection gate) {
    this.featureCount = gate.featureCount();
    this.labelClasses = gate.labelClasses();
    this.maxRecordBytes = gate.maxRecordBytes();
  }

  /**
   * @param key the record key (must be the userId in UTF-8)
   * @param value the record value (Avro single-object encoded TrainingRecord)
   */
  public Verdict check(byte[] key, byte[] value) {
    if (value == null) return Verdict.dead(DeadLetterReason.UNDECODABLE, "null value");
    if (value.length > maxRecordBytes)
      return Verdict.dead(
          DeadLetterReason.OVERSIZE, value.length + " bytes > gate.maxRecordBytes=" + maxRecordBytes);
    TrainingRecord r;
    try {
      r = TrainingRecord.fromByteBuffer(ByteBuffer.wrap(value));
    } catch (java.io.IOException | RuntimeException e) {
      return Verdict.dead(DeadLetterReason.UNDECODABLE, String.valueOf(e.getMessage()));
    }
    String userId = r.getUserId();
    if (userId == null || userId.isBlank())
      return Verdict.dead(DeadLetterReason.MISSING_USER_ID, "userId is empty");
    if (key == null || !Arrays.equals(key, userId.getBytes(StandardCharsets.UTF_8)))
      return Verdict.dead(
          DeadLetterReason.KEY_MISMATCH,
          "record key " + (key == null ? "null" : "'" + new String(key, StandardCharsets.UTF_8) + "'")
              + " is not the userId '" + userId + "'");
    List<Float> features = r.getFeatures();
    if (features.size() != featureCount)
      return Verdict.dead(
          DeadLetterReason.WRONG_FEATURE_COUNT,
          features.size() + " features, gate.featureCount=" + featureCount);
    for (int i = 0; i < features.size(); i++) {
      if (!Float.isFinite(features.get(i)))
        return Verdict.dead(DeadLetterReason.NON_FINITE_VALUE, "features[" + i + "]=" + features.get(i));
    }
    if (r.getTarget() != null && !Double.isFinite(r.getTarget()))
      return Verdict.dead(DeadLetterReason.NON_FINITE_VALUE, "target=" + r.getTarget());
    if (r.getWeight() != null) {
      if (!Float.isFinite(r.getWeight()))
        return Verdict.dead(DeadLetterReason.NON_FINITE_VALUE, "weight=" + r.getWeight());
      if (r.getWeight() < 0)
        return Verdict.dead(DeadLetterReason.NEGATIVE_WEIGHT, "weight=" + r.getWeight());
    }
    for (int id : r.getCategoricalIds()) {
      if (id < 0) return Verdict.dead(DeadLetterReason.NEGATIVE_CATEGORICAL_ID, "categorical id " + id);
    }
    if (labelClasses > 0) {
      Integer label = r.getLabel();
      if (label == null)
        return Verdict.dead(DeadLetterReason.MISSING_LABEL, "no label (gate.labelClasses=" + labelClasses + ")");
      if (label < 0 || label >= labelClasses)
        return Verdict.dead(
            DeadLetterReason.LABEL_OUT_OF_RANGE, "label " + label + " not in [0, " + labelClasses + ")");
    } else if (r.getTarget() == null) {
      return Verdict.dead(DeadLetterReason.MISSING_LABEL, "no target (gate.labelClasses=0: regression)");
    }
    return new Verdict(r, null, null);
  }
}
