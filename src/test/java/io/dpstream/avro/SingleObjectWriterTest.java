package io.dpstream.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SingleObjectWriter} writes exactly the bytes of the generated {@code toByteBuffer}. */
class SingleObjectWriterTest {
  private final SplittableRandom rnd = new SplittableRandom(7);

  @Test
  void ledgerEntriesAndAlertsAreTheGeneratedEncodingByteForByte() throws IOException {
    SingleObjectWriter<PrivacyLedgerEntry> entries = new SingleObjectWriter<>(PrivacyLedgerEntry.getClassSchema());
    SingleObjectWriter<BudgetAlert> alerts = new SingleObjectWriter<>(BudgetAlert.getClassSchema());
    for (int i = 0; i < 200; i++) {
      List<Double> rdp = new ArrayList<>();
      for (int k = 0; k < rnd.nextInt(0, 19); k++) rdp.add(rnd.nextDouble() * 10);
      UserLedgerState state = new UserLedgerState(rnd.nextLong(0, 1_000_000), rnd.nextDouble(), "sgm;q=0.01;sigma=" + i, rdp);
      PrivacyLedgerEntry e =
          new PrivacyLedgerEntry(
              "user-" + "é".repeat(i % 5) + i, state, 8.0, 1e-5, rnd.nextLong(0, 1000), i % 2 == 0,
              rnd.nextLong(), Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)));
      assertArrayEquals(generated(e.toByteBuffer()), entries.encode(e));
      assertEquals(e, PrivacyLedgerEntry.fromByteBuffer(ByteBuffer.wrap(entries.encode(e))));
      BudgetAlert a =
          new BudgetAlert(
              "u" + i, i % 2 == 0 ? BudgetAlertKind.WARNING : BudgetAlertKind.EXHAUSTED, rnd.nextDouble(), 1.0,
              rnd.nextLong(), Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)));
      assertArrayEquals(generated(a.toByteBuffer()), alerts.encode(a));
    }
  }

  @Test
  void aReusedWriterEncodesSmallAfterLargeStepMessagesExactly() throws IOException {
    SingleObjectWriter<StepMessage> steps = new SingleObjectWriter<>(StepMessage.getClassSchema());
    for (int i = 0; i < 50; i++) {
      int n = i % 2 == 0 ? 40 : 1; // alternate large and small: nothing of the last one may remain
      List<TrainingRecord> records = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        List<Float> f = new ArrayList<>();
        for (int j = 0; j < 64; j++) f.add((float) rnd.nextGaussian());
        records.add(
            TrainingRecord.newBuilder()
                .setUserId("u" + i)
                .setEventTime(Instant.ofEpochMilli(rnd.nextLong(0, 4_000_000_000_000L)))
                .setFeatures(f)
                .setLabel(r % 10)
                .build());
      }
      StepMessage m = new StepMessage((long) i, i % 4, new UserContribution("u" + i, records));
      assertArrayEquals(generated(m.toByteBuffer()), steps.encode(m));
    }
  }

  private static byte[] generated(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
