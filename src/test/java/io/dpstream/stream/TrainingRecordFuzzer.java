package io.dpstream.stream;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserLedgerState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Seeded payloads for the gate's input topic: valid {@link TrainingRecord}s, their mutations (bit
 * flips, overwritten bytes, truncation, extension, a wrong fingerprint, blown-up length fields),
 * other schemas, random bytes, and the named bad cases (non-finite values, wrong feature counts,
 * empty and huge user ids, negative and far-future event times, oversized records). Each payload
 * says which dead-letter reasons it may get; {@code null} among them means it may be valid.
 */
final class TrainingRecordFuzzer {
  /** One input record and the outcomes it may have. */
  record Payload(String kind, byte[] key, byte[] value, Set<String> allowedReasons) {
    boolean mayBeValid() {
      return allowedReasons.contains("valid");
    }
  }

  private static final Set<String> ANY =
      Set.of("valid", "undecodable", "unknown-schema", "missing-user-id", "user-id-too-long",
          "key-mismatch", "event-time-out-of-range", "non-finite-value", "negative-weight",
          "wrong-feature-count", "label-out-of-range", "missing-label", "negative-categorical-id",
          "oversize");

  private final SplittableRandom random;
  private final int featureCount;
  private final int labelClasses;
  private final int maxRecordBytes;
  private final int maxUserIdBytes;
  private final long now;
  private final int users;

  TrainingRecordFuzzer(
      long seed, int featureCount, int labelClasses, int maxRecordBytes, int maxUserIdBytes, long now, int users) {
    this.random = new SplittableRandom(seed);
    this.featureCount = featureCount;
    this.labelClasses = labelClasses;
    this.maxRecordBytes = maxRecordBytes;
    this.maxUserIdBytes = maxUserIdBytes;
    this.now = now;
    this.users = users;
  }

  Payload next() {
    int dice = random.nextInt(100);
    if (dice < 15) return valid();
    if (dice < 30) return bitFlips();
    if (dice < 38) return overwrittenBytes();
    if (dice < 46) return truncated();
    if (dice < 54) return extended();
    if (dice < 60) return wrongFingerprint();
    if (dice < 64) return otherSchema();
    if (dice < 74) return blownUpLength();
    if (dice < 80) return randomBytes();
    return named();
  }

  TrainingRecord.Builder validRecord(String userId) {
    List<Float> f = new ArrayList<>(featureCount);
    for (int i = 0; i < featureCount; i++) f.add((float) random.nextGaussian());
    return TrainingRecord.newBuilder()
        .setUserId(userId)
        .setEventTime(Instant.ofEpochMilli(now - random.nextLong(86_400_000L)))
        .setFeatures(f)
        .setLabel(random.nextInt(labelClasses))
        .setWeight(random.nextBoolean() ? null : (float) random.nextDouble(0, 2));
  }

  private String userId() {
    return "user-" + random.nextInt(users);
  }

  private Payload valid() {
    String u = userId();
    return new Payload("valid", key(u), GateRecords.encode(validRecord(u).build()), Set.of("valid"));
  }

  /** A valid record's key and bytes: the base of the mutations. */
  private Payload base() {
    return valid();
  }

  private Payload bitFlips() {
    Payload p = base();
    byte[] v = p.value.clone();
    int flips = 1 + random.nextInt(8);
    for (int i = 0; i < flips; i++) {
      int bit = random.nextInt(v.length * 8);
      v[bit / 8] ^= (byte) (1 << (bit % 8));
    }
    return new Payload("bit-flips", p.key, v, ANY);
  }

  private Payload overwrittenBytes() {
    Payload p = base();
    byte[] v = p.value.clone();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) v[random.nextInt(v.length)] = (byte) random.nextInt(256);
    return new Payload("overwritten-bytes", p.key, v, ANY);
  }

  private Payload truncated() {
    Payload p = base();
    // The last byte is the weight's union index: any strict prefix is missing a field.
    return new Payload("truncated", p.key, Arrays.copyOf(p.value, random.nextInt(p.value.length)), Set.of("undecodable"));
  }

  private Payload extended() {
    Payload p = base();
    int extra = 1 + random.nextInt(64);
    byte[] v = Arrays.copyOf(p.value, p.value.length + extra);
    for (int i = p.value.length; i < v.length; i++) v[i] = (byte) random.nextInt(256);
    return new Payload("extended", p.key, v, Set.of("undecodable"));
  }

  private Payload wrongFingerprint() {
    Payload p = base();
    byte[] v = p.value.clone();
    v[2 + random.nextInt(8)] ^= (byte) (1 + random.nextInt(255));
    return new Payload("wrong-fingerprint", p.key, v, Set.of("unknown-schema"));
  }

  private Payload otherSchema() {
    String u = userId();
    byte[] v =
        random.nextBoolean()
            ? GateProcessor.bytes(
                BudgetAlert.newBuilder().setUserId(u).setKind(BudgetAlertKind.EXHAUSTED).setEpsilon(1)
                    .setEpsilonCap(1).setStep(random.nextLong(1000)).setTimeMillis(Instant.ofEpochMilli(now))
                    .build()::toByteBuffer)
            : GateProcessor.bytes(
                UserLedgerState.newBuilder().setSteps(random.nextLong(1000)).setEpsilon(random.nextDouble()).build()::toByteBuffer);
    return new Payload("other-schema", key(u), v, Set.of("unknown-schema"));
  }

  /**
   * A length or count field (userId length, feature count, categorical id count) replaced by a
   * huge value: the input ends long before it, so the record is undecodable.
   */
  private Payload blownUpLength() {
    Payload p = base();
    byte[] v = p.value;
    int[] fields = lengthFieldOffsets(v);
    int at = fields[random.nextInt(fields.length)];
    int oldLen = varintLength(v, at);
    long huge = (1L << (20 + random.nextInt(42))) + random.nextLong(1 << 20);
    byte[] varint = zigZagVarint(random.nextBoolean() ? huge : Integer.MAX_VALUE);
    byte[] out = new byte[v.length - oldLen + varint.length];
    System.arraycopy(v, 0, out, 0, at);
    System.arraycopy(varint, 0, out, at, varint.length);
    System.arraycopy(v, at + oldLen, out, at + varint.length, v.length - at - oldLen);
    return new Payload("blown-up-length", p.key, out, Set.of("undecodable"));
  }

  private Payload randomBytes() {
    byte[] v = new byte[random.nextInt(300)];
    for (int i = 0; i < v.length; i++) v[i] = (byte) random.nextInt(256);
    if (random.nextInt(4) == 0 && v.length >= 2) { // the right marker, a random fingerprint
      v[0] = (byte) 0xC3;
      v[1] = 0x01;
    }
    return new Payload("random-bytes", key(userId()), v, Set.of("undecodable", "unknown-schema"));
  }

  private Payload named() {
    String u = userId();
    TrainingRecord.Builder b = validRecord(u);
    switch (random.nextInt(13)) {
      case 0 -> {
        List<Float> f = new ArrayList<>(b.getFeatures());
        f.set(random.nextInt(f.size()), pick(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        return named("non-finite-feature", u, b.setFeatures(f), "non-finite-value");
      }
      case 1 -> {
        return named("non-finite-target", u, b.setTarget(pick(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)), "non-finite-value");
      }
      case 2 -> {
        return named("non-finite-weight", u, b.setWeight(pick(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)), "non-finite-value");
      }
      case 3 -> {
        int n = random.nextBoolean() ? random.nextInt(featureCount) : featureCount + 1 + random.nextInt(2000);
        List<Float> f = new ArrayList<>(n);
        for (int i = 0; i < n; i++) f.add(1f);
        return named("wrong-feature-count", u, b.setFeatures(f), "wrong-feature-count");
      }
      case 4 -> {
        String empty = random.nextBoolean() ? "" : " \t ".repeat(1 + random.nextInt(3));
        return new Payload("empty-user-id", key(empty), GateRecords.encode(b.setUserId(empty).build()), Set.of("missing-user-id"));
      }
      case 5 -> {
        String huge = "h".repeat(maxUserIdBytes + 1 + random.nextInt(Math.max(1, maxRecordBytes / 2 - maxUserIdBytes)));
        return new Payload("huge-user-id", key(huge), GateRecords.encode(b.setUserId(huge).build()), Set.of("user-id-too-long"));
      }
      case 6 -> {
        String huge = "x".repeat(maxRecordBytes + random.nextInt(maxRecordBytes));
        return new Payload("huge-user-id-oversize", key(huge), GateRecords.encode(b.setUserId(huge).build()), Set.of("oversize"));
      }
      case 7 -> {
        long t = random.nextBoolean() ? Long.MIN_VALUE + random.nextLong(1000) : -1 - random.nextLong(1L << 40);
        return named("negative-event-time", u, b.setEventTime(Instant.ofEpochMilli(t)), "event-time-out-of-range");
      }
      case 8 -> {
        long t = random.nextBoolean() ? Long.MAX_VALUE - random.nextLong(1000) : now + 2 * 86_400_000L + random.nextLong(1L << 40);
        return named("far-future-event-time", u, b.setEventTime(Instant.ofEpochMilli(t)), "event-time-out-of-range");
      }
      case 9 -> {
        List<Float> f = new ArrayList<>(maxRecordBytes / 4 + 10);
        for (int i = 0; i < maxRecordBytes / 4 + 10; i++) f.add(0f);
        return named("oversize-features", u, b.setFeatures(f), "oversize");
      }
      case 10 -> {
        return named("label-out-of-range", u, b.setLabel(random.nextBoolean() ? -1 - random.nextInt(100) : labelClasses + random.nextInt(100)), "label-out-of-range");
      }
      case 11 -> {
        return new Payload("key-mismatch", key("not-" + u), GateRecords.encode(b.build()), Set.of("key-mismatch"));
      }
      default -> {
        return new Payload("null-value", key(u), null, Set.of("undecodable"));
      }
    }
  }

  private Payload named(String kind, String userId, TrainingRecord.Builder b, String reason) {
    return new Payload(kind, key(userId), GateRecords.encode(b.build()), Set.of(reason));
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  /** Offsets of the userId length, the features count and the categoricalIds count. */
  static int[] lengthFieldOffsets(byte[] v) {
    int userId = 10;
    int[] len = new int[1];
    long n = readVarint(v, userId, len);
    int eventTime = userId + len[0] + (int) n;
    readVarint(v, eventTime, len);
    int features = eventTime + len[0];
    long count = readVarint(v, features, len);
    int pos = features + len[0] + 4 * (int) count;
    if (count > 0) pos += 1; // the block's terminating zero
    return new int[] {userId, features, pos};
  }

  private static long readVarint(byte[] v, int at, int[] length) {
    long raw = 0;
    int i = 0;
    while (true) {
      int b = v[at + i] & 0xff;
      raw |= (long) (b & 0x7f) << (7 * i);
      i++;
      if ((b & 0x80) == 0) break;
    }
    length[0] = i;
    return (raw >>> 1) ^ -(raw & 1);
  }

  private static int varintLength(byte[] v, int at) {
    int[] len = new int[1];
    readVarint(v, at, len);
    return len[0];
  }

  static byte[] zigZagVarint(long n) {
    long z = (n << 1) ^ (n >> 63);
    byte[] out = new byte[10];
    int i = 0;
    while ((z & ~0x7fL) != 0) {
      out[i++] = (byte) ((z & 0x7f) | 0x80);
      z >>>= 7;
    }
    out[i++] = (byte) z;
    return Arrays.copyOf(out, i);
  }

  private static byte[] key(String userId) {
    return userId.getBytes(StandardCharsets.UTF_8);
  }
}
