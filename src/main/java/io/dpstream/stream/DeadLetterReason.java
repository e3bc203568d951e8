package io.dpstream.stream;

/**
 * Why a record went to {@code training-records-dlq}: a small fixed set, so that it can label a
 * metric. The id is the value of the {@link DeadLetterHeaders#REASON} header.
 */
public enum DeadLetterReason {
  /**
   * Not an Avro single-object encoded TrainingRecord, or null: no single-object marker, truncated,
   * corrupt lengths, or bytes left over after the record.
   */
  UNDECODABLE("undecodable"),
  /**
   * Single-object encoded, but with a schema fingerprint the gate does not know: another record
   * type, or a TrainingRecord schema newer than the gate's.
   */
  UNKNOWN_SCHEMA("unknown-schema"),
  /** userId missing, empty or blank. */
  MISSING_USER_ID("missing-user-id"),
  /** userId longer than gate.maxUserIdBytes in UTF-8. */
  USER_ID_TOO_LONG("user-id-too-long"),
  /** eventTime negative, or further ahead of the gate's clock than gate.maxEventTimeAhead. */
  EVENT_TIME_OUT_OF_RANGE("event-time-out-of-range"),
  /**
   * The record key is not the userId (UTF-8). The key decides the partition, and one user's state
   * must live in exactly one partition, or their ε cap would be split across partitions.
   */
  KEY_MISMATCH("key-mismatch"),
  /** A NaN or infinite feature, target or weight. */
  NON_FINITE_VALUE("non-finite-value"),
  /** A negative weight. */
  NEGATIVE_WEIGHT("negative-weight"),
  /** Feature count differs from gate.featureCount. */
  WRONG_FEATURE_COUNT("wrong-feature-count"),
  /** Label outside [0, gate.labelClasses). */
  LABEL_OUT_OF_RANGE("label-out-of-range"),
  /** Neither a label (classification) nor a target (regression) as the configuration requires. */
  MISSING_LABEL("missing-label"),
  /** A negative categorical id. */
  NEGATIVE_CATEGORICAL_ID("negative-categorical-id"),
  /** Larger than gate.maxRecordBytes. */
  OVERSIZE("oversize");

  private final String id;

  DeadLetterReason(String id) {
    this.id = id;
  }

  /** The stable, lower-case id used in headers and metric labels. */
  public String id() {
    return id;
  }
}
