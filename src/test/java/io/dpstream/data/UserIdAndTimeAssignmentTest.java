package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.TrustedAvroTypes;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** User ids and event times assigned to records by index. */
class UserIdAndTimeAssignmentTest {

  private static final Example ANONYMOUS = Example.classified(new float[] {1f}, 0);
  private static final Example WITH_USER =
      new Example(new float[] {1f}, null, 1, null, null, "u7", 1234L);

  @Test
  void theRulesNameUsersAsDocumented() {
    assertEquals("record-5", UserIdAssignment.parse("record").userIdFor(5, ANONYMOUS));
    UserIdAssignment k3 = UserIdAssignment.parse("k:3");
    assertEquals(List.of("user-0", "user-0", "user-0", "user-1"),
        List.of(k3.userIdFor(0, ANONYMOUS), k3.userIdFor(1, ANONYMOUS), k3.userIdFor(2, ANONYMOUS),
            k3.userIdFor(3, ANONYMOUS)));
    assertEquals("u7", UserIdAssignment.parse("data").userIdFor(0, WITH_USER));
    UserIdAssignment column = UserIdAssignment.parse("column:customer");
    assertEquals("customer", column.column());
    assertEquals("u7", column.userIdFor(0, WITH_USER));
    var none = assertThrows(
        IllegalArgumentException.class, () -> UserIdAssignment.fromData().userIdFor(4, ANONYMOUS));
    assertTrue(none.getMessage().contains("record 4 has no user id"), none.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"records", "k:0", "k:x", "k:", "column:", "users"})
  void malformedRulesAreRejectedWithTheAcceptedForms(String spec) {
    var e = assertThrows(IllegalArgumentException.class, () -> UserIdAssignment.parse(spec));
    assertTrue(e.getMessage().contains("--users-from"), e.getMessage());
  }

  @Test
  void timesComeFromTheDataOrTheSyntheticClock() {
    EventTimeAssignment fromData = EventTimeAssignment.fromDataOr(1_000, 10);
    assertEquals(1234L, fromData.eventTimeFor(9, WITH_USER));
    assertEquals(1_090L, fromData.eventTimeFor(9, ANONYMOUS));
    assertEquals(1_090L, EventTimeAssignment.synthetic(1_000, 10).eventTimeFor(9, WITH_USER));
    assertThrows(IllegalArgumentException.class, () -> EventTimeAssignment.synthetic(0, -1));
  }

  @Test
  void examplesBecomeRecordsThatRoundTripThroughSingleObjectEncoding() throws Exception {
    Example e = new Example(new float[] {0.25f, -2f}, new int[] {3, 4}, null, 4.5, 0.5f, null, null);
    TrainingRecord r = e.toRecord("alice", 42L);
    TrustedAvroTypes.install();
    TrainingRecord back = TrainingRecord.fromByteBuffer(r.toByteBuffer());
    assertEquals(r, back);
    assertEquals(List.of(0.25f, -2f), back.getFeatures());
    assertEquals(List.of(3, 4), back.getCategoricalIds());
    assertEquals(4.5, back.getTarget());
    assertEquals(0.5f, back.getWeight());
    assertEquals(42L, back.getEventTime().toEpochMilli());
  }

  @Test
  void examplesAreValidatedOnce() {
    var nan = assertThrows(IllegalArgumentException.class,
        () -> Example.classified(new float[] {1f, Float.NaN}, 0));
    assertTrue(nan.getMessage().contains("features[1]"), nan.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Example(new float[0], null, 1, 2.0, null, null, null));
    assertThrows(IllegalArgumentException.class,
        () -> new Example(new float[0], new int[] {-1}, 1, null, null, null, null));
    assertThrows(IllegalArgumentException.class,
        () -> new Example(new float[0], null, 1, null, null, "", null));
    assertThrows(IllegalArgumentException.class, () -> ANONYMOUS.toRecord("", 0));
  }
}
