package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.TrainingRecord;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class TrainingRecordDecoderTest {
  private static final TrainingRecord FULL =
      TrainingRecord.newBuilder()
          .setUserId("alice")
          .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
          .setFeatures(List.of(0.5f, -1f, Float.MAX_VALUE))
          .setCategoricalIds(List.of(0, 7, Integer.MAX_VALUE))
          .setLabel(2)
          .setTarget(3.25)
          .setWeight(0.75f)
          .build();

  private final TrainingRecordDecoder decoder = new TrainingRecordDecoder();

  @Test
  void decodesWhatAvroEncodes() throws Exception {
    assertEquals(FULL, decoder.decode(GateRecords.encode(FULL)));
    TrainingRecord minimal = GateRecords.record("b", 0, 0).setLabel(null).build();
    assertEquals(minimal, decoder.decode(GateRecords.encode(minimal)));
  }

  @Test
  void resolvesAnOlderWriterSchemaItIsGiven() throws Exception {
    // An older TrainingRecord without the optional fields added since: it resolves to defaults.
    Schema older =
        SchemaBuilder.record("TrainingRecord").namespace("io.dpstream.avro").fields()
            .requiredString("userId")
            .name("eventTime").type(org.apache.avro.LogicalTypes.timestampMillis()
                .addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .name("features").type().array().items().floatType().noDefault()
            .endRecord();
    GenericRecord r = new GenericData.Record(older);
    r.put("userId", "carol");
    r.put("eventTime", 5_000L);
    r.put("features", List.of(1f, 2f));
    byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(r));
    assertThrows(TrainingRecordDecoder.UnknownSchemaException.class, () -> decoder.decode(bytes));
    TrainingRecord decoded = new TrainingRecordDecoder(List.of(older)).decode(bytes);
    assertEquals("carol", decoded.getUserId());
    assertEquals(List.of(1f, 2f), decoded.getFeatures());
    assertEquals(List.of(), decoded.getCategoricalIds());
    assertEquals(null, decoded.getLabel());
  }

  @Test
  void anotherRecordTypeIsAnUnknownSchema() {
    BudgetAlert alert =
        BudgetAlert.newBuilder().setUserId("alice").setKind(BudgetAlertKind.WARNING).setEpsilon(1)
            .setEpsilonCap(2).setStep(3).setTimeMillis(Instant.EPOCH).build();
    byte[] bytes = GateProcessor.bytes(alert::toByteBuffer);
    var e = assertThrows(TrainingRecordDecoder.UnknownSchemaException.class, () -> decoder.decode(bytes));
    assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
  }

  @Test
  void leftOverAndMissingBytesAreErrors() {
    byte[] good = GateRecords.encode(FULL);
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    var extra = assertThrows(TrainingRecordDecoder.UndecodableException.class, () -> decoder.decode(longer));
    assertTrue(extra.getMessage().contains("1 bytes left over"), extra.getMessage());
    for (int n = 0; n < good.length; n++) {
      byte[] prefix = java.util.Arrays.copyOf(good, n);
      assertThrows(TrainingRecordDecoder.UndecodableException.class, () -> decoder.decode(prefix), "prefix " + n);
    }
  }

  /**
   * The hazard bounded decoding removes: a userId whose length prefix says 2^30 - 1 bytes. Avro's
   * own decoder allocates that gigabyte before it finds the input short; this decoder refuses it
   * having allocated next to nothing. Allocation is measured per thread by the JVM.
   */
  @Test
  void aBlownUpLengthAllocatesNothingLikeWhatItClaims() throws Exception {
    byte[] good = GateRecords.encode(FULL);
    // Offset 10 holds the userId length: zig-zag varint 10 ("alice" = 5 bytes), one byte.
    assertEquals(10, good[10]);
    byte[] hugeLength = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}; // 2^30 - 1
    byte[] bad = new byte[good.length + 4];
    System.arraycopy(good, 0, bad, 0, 10);
    System.arraycopy(hugeLength, 0, bad, 10, 5);
    System.arraycopy(good, 11, bad, 15, good.length - 11);

    long before = allocatedBytes();
    var e = assertThrows(TrainingRecordDecoder.UndecodableException.class, () -> decoder.decode(bad));
    long bounded = allocatedBytes() - before;
    assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    assertTrue(bounded < 1 << 20, "bounded decoder allocated " + bounded + " bytes");

    before = allocatedBytes();
    try {
      TrainingRecord.fromByteBuffer(ByteBuffer.wrap(bad));
    } catch (Exception expected) {
      // Avro fails too, but only after the allocation.
    }
    long avro = allocatedBytes() - before;
    assertTrue(avro > 1L << 29, "Avro's own decoder allocated only " + avro + " bytes: the hazard is gone?");
  }

  @Test
  void blownUpArrayCountsAndNegativeLengthsAreRefused() {
    byte[] good = GateRecords.encode(FULL);
    // features count follows: header (10), userId (1 + 5), eventTime varint.
    int timeStart = 16;
    int countAt = timeStart;
    while ((good[countAt] & 0x80) != 0) countAt++;
    countAt++;
    assertEquals(6, good[countAt]); // zig-zag 3
    for (byte[] count : List.of(
        new byte[] {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}, // 2^31 - 1 items
        new byte[] {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}, // a block of -2^62 items
        new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01})) { // an 11-byte varint
      byte[] bad = new byte[good.length - 1 + count.length];
      System.arraycopy(good, 0, bad, 0, countAt);
      System.arraycopy(count, 0, bad, countAt, count.length);
      System.arraycopy(good, countAt + 1, bad, countAt + count.length, good.length - countAt - 1);
      assertThrows(TrainingRecordDecoder.UndecodableException.class, () -> decoder.decode(bad));
    }
    byte[] negative = good.clone();
    negative[10] = 9; // zig-zag -5: a negative string length
    var e = assertThrows(TrainingRecordDecoder.UndecodableException.class, () -> decoder.decode(negative));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  private static long allocatedBytes() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static byte[] toBytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
