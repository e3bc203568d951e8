package io.dpstream.stream;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.GateSection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Decodes and validates one input record against the gate's configuration. No Kafka, no state;
 * the only input besides the record is the clock (for event times in the future). The first rule
 * a record breaks decides its dead-letter reason.
 *
 * <p>Never throws for bad bytes and never allocates more than a small multiple of the record's
 * size (decoding is bounded by {@link TrainingRecordDecoder}, and records above {@code
 * gate.maxRecordBytes} are refused before decoding), so no input can stop the gate. Not
 * thread-safe: one instance per gate task.
 */
public final class RecordValidation {
  /** Longest dead-letter detail, in characters: a detail quotes values, which may be huge. */
  static final int MAX_DETAIL_CHARS = 200;

  /** The outcome of validating one record: either {@code record} or a {@code reason}. */
  public record Verdict(TrainingRecord record, DeadLetterReason reason, String detail) {
    public boolean valid() {
      return reason == null;
    }

    static Verdict dead(DeadLetterReason reason, String detail) {
      return new Verdict(null, reason, abbreviate(detail));
    }
  }

  private final int featureCount;
  private final int labelClasses;
  private final int maxRecordBytes;
  private final int maxUserIdBytes;
  private final long maxEventTimeAheadMillis;
  private final LongSupplier clock;
  private final TrainingRecordDecoder decoder = new TrainingRecordDecoder();

  /** Validation against the system clock. */
  public RecordValidation(GateSection gate) {
    this(gate, System::currentTimeMillis);
  }

  /**
   * @param clock milliseconds since the epoch: future event times are judged against it
   */
  public RecordValidation(GateSection gate, LongSupplier clock) {
    this.featureCount = gate.featureCount();
    this.labelClasses = gate.labelClasses();
    this.maxRecordBytes = gate.maxRecordBytes();
    this.maxUserIdBytes = gate.maxUserIdBytes();
    Duration ahead = gate.maxEventTimeAhead();
    this.maxEventTimeAheadMillis = ahead.isZero() ? -1 : saturatedMillis(ahead);
    this.clock = clock;
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
      r = decoder.decode(value);
    } catch (TrainingRecordDecoder.UnknownSchemaException e) {
      return Verdict.dead(DeadLetterReason.UNKNOWN_SCHEMA, e.getMessage());
    } catch (TrainingRecordDecoder.UndecodableException e) {
      return Verdict.dead(DeadLetterReason.UNDECODABLE, e.getMessage());
    }
    String userId = r.getUserId();
    if (userId == null || userId.isBlank())
      return Verdict.dead(DeadLetterReason.MISSING_USER_ID, "userId is empty");
    byte[] userIdBytes = userId.getBytes(StandardCharsets.UTF_8);
    if (userIdBytes.length > maxUserIdBytes)
      return Verdict.dead(
          DeadLetterReason.USER_ID_TOO_LONG,
          "userId of " + userIdBytes.length + " bytes > gate.maxUserIdBytes=" + maxUserIdBytes);
    if (key == null || !Arrays.equals(key, userIdBytes))
      return Verdict.dead(
          DeadLetterReason.KEY_MISMATCH,
          "record key " + (key == null ? "null" : "'" + abbreviate(new String(key, StandardCharsets.UTF_8)) + "'")
              + " is not the userId '" + userId + "'");
    Instant eventTime = r.getEventTime();
    if (eventTime.isBefore(Instant.EPOCH))
      return Verdict.dead(DeadLetterReason.EVENT_TIME_OUT_OF_RANGE, "eventTime " + eventTime + " is negative (before 1970-01-01T00:00:00Z)");
    if (maxEventTimeAheadMillis >= 0) {
      long now = clock.getAsLong();
      long latest = now > Long.MAX_VALUE - maxEventTimeAheadMillis ? Long.MAX_VALUE : now + maxEventTimeAheadMillis;
      if (eventTime.toEpochMilli() > latest)
        return Verdict.dead(
            DeadLetterReason.EVENT_TIME_OUT_OF_RANGE,
            "eventTime " + eventTime + " is more than gate.maxEventTimeAhead="
                + Duration.ofMillis(maxEventTimeAheadMillis) + " ahead of " + Instant.ofEpochMilli(now));
    }
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

  private static long saturatedMillis(Duration d) {
    try {
      return d.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  static String abbreviate(String s) {
    if (s == null || s.length() <= MAX_DETAIL_CHARS) return s;
    return s.substring(0, MAX_DETAIL_CHARS) + "... (" + s.length() + " characters)";
  }
}
