package io.dpstream.stream;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One user's sampling pool in its stored form: the value of the gate's {@code gate-pools} store.
 * Operations work on the bytes directly so that closing a step over a million users allocates
 * little and never decodes records it does not emit.
 *
 * <p>Besides the records, the pool carries the user's <em>charge base</em>: the steps in their
 * materialised ledger ({@code baseSteps}) and the partition's closed-step count when that ledger
 * was written ({@code asOf}). A pooled user is charged at every step the partition closes, so the
 * user's true step count is {@code baseSteps + (closedSteps - asOf)} without a write per user and
 * step; see the README, "The step protocol".
 *
 * <p>Layout (big-endian): version byte {@code 2}, entry count (int), baseSteps (long), asOf (long),
 * then per entry, oldest first: admission step (long), admission wall-clock millis (long), record
 * length (int), the record (Avro single-object encoded {@code TrainingRecord}). A pool never holds
 * zero entries: an empty pool is a deleted key.
 */
public final class UserPool {
  private static final byte VERSION = 2;
  private static final int HEADER = 1 + 4 + 8 + 8;
  private static final int ENTRY_HEADER = 8 + 8 + 4;

  private UserPool() {}

  /**
   * The pool with {@code record} appended; when it already holds {@code maxRecords}, the oldest
   * entries are evicted to make room.
   *
   * @param pool the stored pool, or null for none
   * @param baseSteps, asOf the charge base of a new pool (ignored when {@code pool} exists)
   */
  public static byte[] append(
      byte[] pool, long baseSteps, long asOf, long step, long millis, byte[] record, int maxRecords) {
    int count = pool == null ? 0 : count(pool);
    int skip = Math.max(0, count - (maxRecords - 1));
    int keptStart = pool == null ? HEADER : offsetOf(pool, skip);
    int keptBytes = pool == null ? 0 : pool.length - keptStart;
    ByteBuffer out = ByteBuffer.allocate(HEADER + keptBytes + ENTRY_HEADER + record.length);
    out.put(VERSION).putInt(count - skip + 1);
    if (pool == null) out.putLong(baseSteps).putLong(asOf);
    else out.put(pool, 5, 16);
    if (keptBytes > 0) out.put(pool, keptStart, keptBytes);
    out.putLong(step).putLong(millis).putInt(record.length).put(record);
    return out.array();
  }

  /** Number of records in the pool. */
  public static int count(byte[] pool) {
    if (pool.length < HEADER || pool[0] != VERSION)
      throw new IllegalStateException("unknown pool format version " + (pool.length == 0 ? -1 : pool[0]));
    return ByteBuffer.wrap(pool, 1, 4).getInt();
  }

  /** Steps in the user's ledger when it was last written. */
  public static long baseSteps(byte[] pool) {
    return ByteBuffer.wrap(pool).getLong(5);
  }

  /** The partition's closed-step count when the user's ledger was last written. */
  public static long asOf(byte[] pool) {
    return ByteBuffer.wrap(pool).getLong(13);
  }

  /** Admission step of the oldest record. */
  public static long oldestStep(byte[] pool) {
    count(pool); // checks the version
    return ByteBuffer.wrap(pool).getLong(HEADER);
  }

  /** Admission wall-clock millis of the oldest record. */
  public static long oldestMillis(byte[] pool) {
    count(pool);
    return ByteBuffer.wrap(pool).getLong(HEADER + 8);
  }

  /**
   * Whether a record admitted at {@code admissionStep} and {@code admissionMillis} may no longer
   * enter step {@code closingStep}: the retention rule of {@link #expire}, for one record.
   */
  public static boolean expired(
      long admissionStep,
      long admissionMillis,
      long closingStep,
      long retentionSteps,
      long nowMillis,
      long retentionMillis) {
    return (retentionSteps > 0 && admissionStep <= closingStep - retentionSteps)
        || (retentionMillis > 0 && nowMillis - admissionMillis >= retentionMillis);
  }

  /** A copy with a new charge base. */
  public static byte[] withBase(byte[] pool, long baseSteps, long asOf) {
    byte[] out = pool.clone();
    ByteBuffer.wrap(out).putLong(5, baseSteps).putLong(13, asOf);
    return out;
  }

  /**
   * The pool without the records that may no longer enter step {@code closingStep}: those admitted
   * {@code retentionSteps} or more steps before it (when {@code retentionSteps > 0}) or {@code
   * retentionMillis} or more before {@code nowMillis} (when {@code retentionMillis > 0}).
   *
   * @return {@code pool} itself when nothing expired, null when everything did
   */
  public static byte[] expire(
      byte[] pool, long closingStep, long retentionSteps, long nowMillis, long retentionMillis) {
    if (retentionSteps <= 0 && retentionMillis <= 0) return pool;
    int count = count(pool);
    ByteBuffer b = ByteBuffer.wrap(pool);
    int pos = HEADER;
    int expired = 0;
    // Entries are in admission order, so the expired ones form a prefix.
    while (expired < count) {
      if (!expired(b.getLong(pos), b.getLong(pos + 8), closingStep, retentionSteps, nowMillis, retentionMillis))
        break;
      pos += ENTRY_HEADER + b.getInt(pos + 16);
      expired++;
    }
    if (expired == 0) return pool;
    if (expired == count) return null;
    ByteBuffer out = ByteBuffer.allocate(HEADER + pool.length - pos);
    out.put(VERSION).putInt(count - expired).put(pool, 5, 16).put(pool, pos, pool.length - pos);
    return out.array();
  }

  /** The newest {@code m} records (fewer if the pool holds fewer), newest first. */
  public static List<byte[]> newest(byte[] pool, int m) {
    int count = count(pool);
    int from = Math.max(0, count - m);
    ByteBuffer b = ByteBuffer.wrap(pool);
    int pos = offsetOf(pool, from);
    List<byte[]> out = new ArrayList<>(count - from);
    for (int i = from; i < count; i++) {
      int len = b.getInt(pos + 16);
      byte[] r = new byte[len];
      System.arraycopy(pool, pos + ENTRY_HEADER, r, 0, len);
      out.add(r);
      pos += ENTRY_HEADER + len;
    }
    Collections.reverse(out);
    return out;
  }

  /** Admission steps of the entries, oldest first (for tests and diagnostics). */
  public static long[] admissionSteps(byte[] pool) {
    int count = count(pool);
    long[] steps = new long[count];
    ByteBuffer b = ByteBuffer.wrap(pool);
    int pos = HEADER;
    for (int i = 0; i < count; i++) {
      steps[i] = b.getLong(pos);
      pos += ENTRY_HEADER + b.getInt(pos + 16);
    }
    return steps;
  }

  private static int offsetOf(byte[] pool, int index) {
    ByteBuffer b = ByteBuffer.wrap(pool);
    int pos = HEADER;
    for (int i = 0; i < index; i++) pos += ENTRY_HEADER + b.getInt(pos + 16);
    return pos;
  }
}
