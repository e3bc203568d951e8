package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.DpstreamConfig;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules added for hostile input: user id length, event time range, bounded details. */
class RecordValidationTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final long DAY = 86_400_000L;

  private static RecordValidation validation(Map<String, String> overrides) {
    Map<String, String> s = new HashMap<>(Map.of("gate.featureCount", "4", "gate.labelClasses", "3"));
    s.putAll(overrides);
    return new RecordValidation(DpstreamConfig.of(s).gate(), () -> NOW);
  }

  private static String reason(RecordValidation v, TrainingRecord r) {
    var verdict = v.check(GateRecords.key(r.getUserId()), GateRecords.encode(r));
    return verdict.valid() ? null : verdict.reason().id();
  }

  private static TrainingRecord at(long eventMillis) {
    return GateRecords.record("alice", 4, 1).setEventTime(Instant.ofEpochMilli(eventMillis)).build();
  }

  @Test
  void eventTimesMustBeNonNegativeAndAtMostADayAheadByDefault() {
    RecordValidation v = validation(Map.of());
    assertNull(reason(v, at(0)));
    assertNull(reason(v, at(NOW + DAY)));
    assertEquals("event-time-out-of-range", reason(v, at(-1)));
    assertEquals("event-time-out-of-range", reason(v, at(Long.MIN_VALUE)));
    assertEquals("event-time-out-of-range", reason(v, at(NOW + DAY + 1)));
    assertEquals("event-time-out-of-range", reason(v, at(Long.MAX_VALUE)));
  }

  @Test
  void theFutureCheckFollowsItsSettingAndZeroTurnsItOff() {
    assertEquals("event-time-out-of-range",
        reason(validation(Map.of("gate.maxEventTimeAhead", "5m")), at(NOW + 300_001)));
    assertNull(reason(validation(Map.of("gate.maxEventTimeAhead", "5m")), at(NOW + 300_000)));
    assertNull(reason(validation(Map.of("gate.maxEventTimeAhead", "0")), at(Long.MAX_VALUE)));
    // A slack too large for milliseconds saturates instead of overflowing.
    assertNull(reason(validation(Map.of("gate.maxEventTimeAhead", "PT2562047788015215H")), at(Long.MAX_VALUE)));
  }

  @Test
  void userIdsAreLimitedInUtf8Bytes() {
    RecordValidation v = validation(Map.of("gate.maxUserIdBytes", "8"));
    assertNull(reason(v, GateRecords.record("éééé", 4, 1).setEventTime(Instant.ofEpochMilli(NOW)).build()));
    assertEquals("user-id-too-long",
        reason(v, GateRecords.record("ééééa", 4, 1).setEventTime(Instant.ofEpochMilli(NOW)).build()));
  }

  @Test
  void detailsStayShortWhateverTheyQuote() {
    RecordValidation v = validation(Map.of("gate.maxUserIdBytes", "100000"));
    String huge = "u".repeat(50_000);
    var verdict = v.check(GateRecords.key("other"), GateRecords.encode(GateRecords.record(huge, 4, 1).build()));
    assertEquals(DeadLetterReason.KEY_MISMATCH, verdict.reason());
    assertTrue(verdict.detail().length() < 300, "detail of " + verdict.detail().length() + " characters");
    assertTrue(verdict.detail().endsWith("characters)"), verdict.detail());
  }

  @Test
  void framingFaultsAreUndecodableAndForeignFingerprintsUnknownSchemas() {
    RecordValidation v = validation(Map.of());
    byte[] good = GateRecords.encode(at(NOW));
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 3);
    assertEquals(DeadLetterReason.UNDECODABLE, v.check(GateRecords.key("alice"), trailing).reason());
    byte[] foreign = good.clone();
    foreign[9] ^= 1;
    assertEquals(DeadLetterReason.UNKNOWN_SCHEMA, v.check(GateRecords.key("alice"), foreign).reason());
    assertEquals(DeadLetterReason.UNDECODABLE, v.check(GateRecords.key("alice"), new byte[0]).reason());
  }
}
