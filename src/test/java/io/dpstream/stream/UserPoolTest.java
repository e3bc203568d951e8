package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

class UserPoolTest {
  private static byte[] rec(int i) {
    return new byte[] {(byte) i, (byte) (i + 1), (byte) (i + 2)};
  }

  private static byte[] add(byte[] pool, long step, long millis, byte[] rec, int max) {
    return UserPool.append(pool, 4, 9, step, millis, rec, max);
  }

  @Test
  void appendKeepsAtMostMaxRecordsEvictingTheOldest() {
    byte[] pool = null;
    for (int i = 0; i < 7; i++) pool = add(pool, 10 + i, 1000L * i, rec(i), 4);
    assertEquals(4, UserPool.count(pool));
    assertArrayEquals(new long[] {13, 14, 15, 16}, UserPool.admissionSteps(pool));
    List<byte[]> newest = UserPool.newest(pool, 2);
    assertArrayEquals(rec(6), newest.get(0));
    assertArrayEquals(rec(5), newest.get(1));
    assertEquals(4, UserPool.newest(pool, 10).size());
  }

  @Test
  void theChargeBaseIsSetOnCreationAndKeptThroughAppendsAndExpiry() {
    byte[] pool = UserPool.append(null, 4, 9, 5, 0, rec(1), 8);
    pool = UserPool.append(pool, 99, 99, 6, 0, rec(2), 8);
    assertEquals(4, UserPool.baseSteps(pool));
    assertEquals(9, UserPool.asOf(pool));
    byte[] expired = UserPool.expire(pool, 7, 2, 0, 0);
    assertEquals(4, UserPool.baseSteps(expired));
    assertEquals(9, UserPool.asOf(expired));
    byte[] rebased = UserPool.withBase(pool, 7, 12);
    assertEquals(7, UserPool.baseSteps(rebased));
    assertEquals(12, UserPool.asOf(rebased));
    assertEquals(4, UserPool.baseSteps(pool), "withBase copies");
    assertArrayEquals(UserPool.admissionSteps(pool), UserPool.admissionSteps(rebased));
  }

  @Test
  void expiryBySteps() {
    byte[] pool = add(add(null, 5, 0, rec(1), 8), 6, 0, rec(2), 8);
    assertSame(pool, UserPool.expire(pool, 6, 2, 0, 0), "admitted at 5, retention 2: in steps 5 and 6");
    byte[] later = UserPool.expire(pool, 7, 2, 0, 0);
    assertArrayEquals(new long[] {6}, UserPool.admissionSteps(later));
    assertNull(UserPool.expire(pool, 8, 2, 0, 0));
    assertSame(pool, UserPool.expire(pool, 1_000, 0, 0, 0), "0 = unbounded");
  }

  @Test
  void expiryByTime() {
    byte[] pool = add(add(null, 0, 1_000, rec(1), 8), 0, 2_000, rec(2), 8);
    assertSame(pool, UserPool.expire(pool, 0, 0, 1_999, 1_000));
    assertEquals(1, UserPool.count(UserPool.expire(pool, 0, 0, 2_000, 1_000)));
    assertNull(UserPool.expire(pool, 0, 0, 3_000, 1_000));
  }

  @Test
  void theOldestEntryAndTheRetentionRuleForOneRecord() {
    byte[] pool = add(add(null, 5, 1_000, rec(1), 2), 6, 2_000, rec(2), 2);
    assertEquals(5, UserPool.oldestStep(pool));
    assertEquals(1_000, UserPool.oldestMillis(pool));
    byte[] evicted = add(pool, 7, 3_000, rec(3), 2);
    assertEquals(6, UserPool.oldestStep(evicted));
    assertEquals(2_000, UserPool.oldestMillis(evicted));
    // The rule expire applies: in steps (admission step + retention <= closing step) ...
    assertEquals(false, UserPool.expired(5, 1_000, 6, 2, 0, 0));
    assertEquals(true, UserPool.expired(5, 1_000, 7, 2, 0, 0));
    // ... in time (age >= retention), and never when both are unbounded.
    assertEquals(false, UserPool.expired(5, 1_000, 0, 0, 1_999, 1_000));
    assertEquals(true, UserPool.expired(5, 1_000, 0, 0, 2_000, 1_000));
    assertEquals(false, UserPool.expired(5, 1_000, 1_000, 0, 1_000_000, 0));
  }
}
