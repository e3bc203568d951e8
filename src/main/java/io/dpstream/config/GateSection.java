package io.dpstream.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the gate validates, pools and closes steps.
 *
 * @param applicationId Kafka Streams application id (consumer group, internal topic prefix)
 * @param stepTrigger time- or count-triggered steps
 * @param stepPeriod length of a step under {@link StepTrigger#TIME}, at least 10 ms
 * @param stepRecords admitted records per partition per step under {@link StepTrigger#COUNT}
 * @param retentionSteps a record stays in its user's pool for this many steps (its admission step
 *     included); 0 = no limit in steps
 * @param retention a record leaves its user's pool this long after admission; zero = no limit in
 *     time
 * @param maxRecordsPerUser pool bound per user; a new record evicts the user's oldest one
 * @param recordsPerContribution m: a sampled user contributes their newest min(m, pool) records
 * @param featureCount required dense feature count of every record: 0 for models with categorical
 *     ids only (embeddings), {@link #FEATURES_NOT_SET} when not configured (the gate refuses to
 *     start)
 * @param labelClasses classification: labels must lie in {@code [0, labelClasses)}; 0 means
 *     regression, where a finite {@code target} is required instead
 * @param maxRecordBytes records larger than this go to the dead-letter topic (oversize)
 * @param stateDir Kafka Streams state directory (RocksDB)
 * @param commitInterval Kafka Streams commit interval (transaction length under exactly-once)
 * @param threads Kafka Streams threads per instance
 * @param ledgerPublishSteps a pooled user's ledger is written (store and privacy-ledger topic) at
 *     least every this many charged steps, and always when they leave the pool, reach the warning
 *     level or exhaust their budget; between writes, the charge is durable in the pool's charge
 *     base and the partition's closed-step count
 * @param maxUserIdBytes records whose userId is longer than this in UTF-8 go to the dead-letter
 *     topic ({@code user-id-too-long}): a user id is a state-store key and a header of every
 *     output about the user
 * @param maxEventTimeAhead records whose eventTime lies further than this ahead of the gate's
 *     clock go to the dead-letter topic ({@code event-time-out-of-range}), as do negative event
 *     times; zero = no check of the future
 * @param rocksdbMemory bytes of native memory all of the gate's RocksDB stores in this process
 *     share: one block cache (data, index and filter blocks) with the memtables charged to it, at
 *     least {@link #MIN_ROCKSDB_MEMORY}; see {@code stream.BoundedRocksDbMemory}
 */
public record GateSection(
    String applicationId,
    StepTrigger stepTrigger,
    Duration stepPeriod,
    long stepRecords,
    long retentionSteps,
    Duration retention,
    int maxRecordsPerUser,
    int recordsPerContribution,
    int featureCount,
    int labelClasses,
    int maxRecordBytes,
    Path stateDir,
    Duration commitInterval,
    int threads,
    int ledgerPublishSteps,
    int maxUserIdBytes,
    Duration maxEventTimeAhead,
    long rocksdbMemory) {

  /** {@code gate.featureCount} when it was not configured: the gate refuses to start. */
  public static final int FEATURES_NOT_SET = -1;

  /** Default of {@code gate.rocksdbMemory}: 64 MiB. */
  public static final long DEFAULT_ROCKSDB_MEMORY = 64L << 20;

  /** Smallest {@code gate.rocksdbMemory}: 8 MiB (a few memtables and the index blocks). */
  public static final long MIN_ROCKSDB_MEMORY = 8L << 20;

  public GateSection {
    if (applicationId == null || applicationId.isBlank())
      throw new IllegalArgumentException("gate.applicationId must not be empty");
    if (stepTrigger == null) throw new IllegalArgumentException("gate.stepTrigger must be given");
    if (stepPeriod == null || stepPeriod.toMillis() < 10)
      throw new IllegalArgumentException("gate.stepPeriod must be at least 10ms, got " + stepPeriod);
    if (stepRecords < 1) throw new IllegalArgumentException("gate.stepRecords must be >= 1, got " + stepRecords);
    if (retentionSteps < 0)
      throw new IllegalArgumentException("gate.retentionSteps must be >= 0, got " + retentionSteps);
    if (retention == null || retention.isNegative())
      throw new IllegalArgumentException("gate.retention must be >= 0, got " + retention);
    if (maxRecordsPerUser < 1)
      throw new IllegalArgumentException(
          "gate.maxRecordsPerUser must be >= 1, got " + maxRecordsPerUser);
    if (recordsPerContribution < 1 || recordsPerContribution > maxRecordsPerUser)
      throw new IllegalArgumentException(
          "gate.recordsPerContribution must be in [1, gate.maxRecordsPerUser="
              + maxRecordsPerUser + "], got " + recordsPerContribution);
    if (featureCount < FEATURES_NOT_SET)
      throw new IllegalArgumentException("gate.featureCount must be >= 0, got " + featureCount);
    if (labelClasses < 0)
      throw new IllegalArgumentException("gate.labelClasses must be >= 0, got " + labelClasses);
    if (maxRecordBytes < 16)
      throw new IllegalArgumentException("gate.maxRecordBytes must be >= 16, got " + maxRecordBytes);
    if (stateDir == null) throw new IllegalArgumentException("gate.stateDir must be given");
    if (commitInterval == null || commitInterval.toMillis() < 1)
      throw new IllegalArgumentException("gate.commitInterval must be >= 1ms, got " + commitInterval);
    if (threads < 1) throw new IllegalArgumentException("gate.threads must be >= 1, got " + threads);
    if (ledgerPublishSteps < 1)
      throw new IllegalArgumentException(
          "gate.ledgerPublishSteps must be >= 1, got " + ledgerPublishSteps);
    if (maxUserIdBytes < 1)
      throw new IllegalArgumentException("gate.maxUserIdBytes must be >= 1, got " + maxUserIdBytes);
    if (maxEventTimeAhead == null || maxEventTimeAhead.isNegative())
      throw new IllegalArgumentException(
          "gate.maxEventTimeAhead must be >= 0, got " + maxEventTimeAhead);
    if (rocksdbMemory < MIN_ROCKSDB_MEMORY)
      throw new IllegalArgumentException(
          "gate.rocksdbMemory must be at least " + MIN_ROCKSDB_MEMORY + " bytes (8MiB), got " + rocksdbMemory);
  }

  /** A copy whose time-triggered steps last {@code period}. */
  public GateSection withStepPeriod(Duration period) {
    return new GateSection(
        applicationId, stepTrigger, period, stepRecords, retentionSteps, retention,
        maxRecordsPerUser, recordsPerContribution, featureCount, labelClasses, maxRecordBytes,
        stateDir, commitInterval, threads, ledgerPublishSteps, maxUserIdBytes, maxEventTimeAhead, rocksdbMemory);
  }

  /** A copy keeping its Kafka Streams state (RocksDB) in {@code dir}. */
  public GateSection withStateDir(Path dir) {
    return new GateSection(
        applicationId, stepTrigger, stepPeriod, stepRecords, retentionSteps, retention,
        maxRecordsPerUser, recordsPerContribution, featureCount, labelClasses, maxRecordBytes, dir,
        commitInterval, threads, ledgerPublishSteps, maxUserIdBytes, maxEventTimeAhead, rocksdbMemory);
  }

  static GateSection from(Settings s) {
    return new GateSection(
        s.string("gate.applicationId", "dpstream-gate"),
        StepTrigger.parse("gate.stepTrigger", s.string("gate.stepTrigger", "time")),
        s.duration("gate.stepPeriod", Duration.ofSeconds(10)),
        s.longValue("gate.stepRecords", 10_000, 1, Long.MAX_VALUE),
        s.longValue("gate.retentionSteps", 0, 0, Long.MAX_VALUE),
        s.duration("gate.retention", Duration.ZERO),
        s.intValue("gate.maxRecordsPerUser", 32, 1, 1_000_000),
        s.intValue("gate.recordsPerContribution", 8, 1, 1_000_000),
        s.intValue("gate.featureCount", FEATURES_NOT_SET, 0, 100_000_000),
        s.intValue("gate.labelClasses", 0, 0, Integer.MAX_VALUE),
        s.intValue("gate.maxRecordBytes", 1 << 20, 16, Integer.MAX_VALUE),
        Path.of(s.string("gate.stateDir", Path.of(System.getProperty("java.io.tmpdir"), "dpstream-streams").toString())),
        s.duration("gate.commitInterval", Duration.ofMillis(100)),
        s.intValue("gate.threads", 1, 1, 1024),
        s.intValue("gate.ledgerPublishSteps", 10, 1, 1_000_000),
        s.intValue("gate.maxUserIdBytes", 256, 1, Integer.MAX_VALUE),
        s.duration("gate.maxEventTimeAhead", Duration.ofDays(1)),
        s.byteSize("gate.rocksdbMemory", DEFAULT_ROCKSDB_MEMORY, MIN_ROCKSDB_MEMORY, 1L << 40));
  }
}
