package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.dpstream.CapturedLogs;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * 100,000 fuzzed payloads through the real gate topology (TopologyTestDriver, RocksDB stores,
 * exactly-once): every record gets exactly one outcome, each dead letter carries a reason its
 * payload allows, the gate keeps processing, and nothing logs a stack trace.
 */
class GateFuzzTest {
  /** 100,000 by default; {@code -Ddpstream.fuzz.records=N} fuzzes longer. */
  static final int RECORDS = Integer.getInteger("dpstream.fuzz.records", 100_000);
  static final int FEATURES = 8;
  static final int CLASSES = 4;
  static final int MAX_RECORD_BYTES = 8 * 1024;
  static final int MAX_USER_ID_BYTES = 256;

  @Test
  void everyFuzzedRecordGetsExactlyOneOutcomeAndNoStackTraceIsLogged() {
    Map<String, String> settings = Map.of(
        "gate.featureCount", String.valueOf(FEATURES),
        "gate.labelClasses", String.valueOf(CLASSES),
        "gate.maxRecordBytes", String.valueOf(MAX_RECORD_BYTES),
        "gate.maxUserIdBytes", String.valueOf(MAX_USER_ID_BYTES),
        "gate.maxRecordsPerUser", "4",
        "gate.recordsPerContribution", "2");
    TrainingRecordFuzzer fuzzer = new TrainingRecordFuzzer(
        20261126L, FEATURES, CLASSES, MAX_RECORD_BYTES, MAX_USER_ID_BYTES, System.currentTimeMillis(), 2_000);
    List<TrainingRecordFuzzer.Payload> sent = new ArrayList<>(RECORDS);
    BitSet deadLettered = new BitSet(RECORDS);
    Map<String, Integer> reasons = new TreeMap<>();
    Map<String, Integer> kinds = new TreeMap<>();
    long started = System.nanoTime();
    long fuzzNanos = 0;
    try (CapturedLogs logs = CapturedLogs.start();
        GateFixture g = new GateFixture(settings, 50)) {
      for (int i = 0; i < RECORDS; i++) {
        long t0 = System.nanoTime();
        TrainingRecordFuzzer.Payload p = fuzzer.next();
        fuzzNanos += System.nanoTime() - t0;
        sent.add(p);
        kinds.merge(p.kind(), 1, Integer::sum);
        g.input.pipeInput(p.key(), p.value()); // throws if the gate fails on it
        if (i % 5_000 == 4_999) {
          checkDeadLetters(g, sent, deadLettered, reasons);
          g.closeStep();
          g.steps.readRecordsToList(); // contributions and markers: drained, checked at the end
          g.ledger.readRecordsToList();
          g.alerts.readRecordsToList();
        }
      }
      checkDeadLetters(g, sent, deadLettered, reasons);

      // Exactly one outcome each: dead letters are distinct offsets; the rest were admitted.
      long admitted = g.observer.admitted.get();
      assertEquals(0, g.observer.droppedForBudget.get());
      assertEquals(RECORDS, deadLettered.cardinality() + admitted, "dead letters + admitted");
      assertEquals(deadLettered.cardinality(), g.observer.deadLetteredTotal());
      for (int i = 0; i < RECORDS; i++) {
        if (deadLettered.get(i)) continue;
        TrainingRecordFuzzer.Payload p = sent.get(i);
        assertTrue(p.mayBeValid(), "offset " + i + " (" + p.kind() + ") was admitted");
        assertAdmissible(p, i);
      }
      assertTrue(admitted >= RECORDS / 10, "valid records admitted: " + admitted);

      // Still running: a valid record is admitted and the next marker counts every outcome.
      g.send("after-the-fuzz", GateRecords.encode(fuzzer.validRecord("after-the-fuzz").build()));
      g.closeStep();
      List<StepMarker> markers = g.steps.readValuesToList().stream()
          .map(GateRecords::step).map(StepMessage::getBody)
          .filter(StepMarker.class::isInstance).map(StepMarker.class::cast).toList();
      StepMarker last = markers.get(markers.size() - 1);
      assertEquals(admitted + 1, last.getRecordsAdmitted());
      assertEquals(deadLettered.cardinality(), last.getRecordsDeadLettered());

      assertEquals(List.of(), logs.withThrowable().stream().map(CapturedLogs::describe).toList(),
          "stack traces logged");
      assertEquals(List.of(), logs.atLeast(Level.ERROR).stream().map(CapturedLogs::describe).toList(),
          "errors logged");
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("gate fuzz: fuzzer %.1f s%n", fuzzNanos / 1e9);
    System.out.printf("gate fuzz: %d records in %.1f s; kinds %s; dead-letter reasons %s%n",
        RECORDS, seconds, kinds, reasons);
    // Every reason the fuzzer aims at was reached.
    for (String r : List.of("undecodable", "unknown-schema", "missing-user-id", "user-id-too-long",
        "key-mismatch", "event-time-out-of-range", "non-finite-value", "wrong-feature-count",
        "label-out-of-range", "oversize")) {
      assertTrue(reasons.getOrDefault(r, 0) > 0, "no dead letter for " + r + ": " + reasons);
    }
  }

  private static void checkDeadLetters(
      GateFixture g, List<TrainingRecordFuzzer.Payload> sent, BitSet seen, Map<String, Integer> reasons) {
    for (TestRecord<byte[], byte[]> d : g.dlq.readRecordsToList()) {
      String reason = header(d.headers(), DeadLetterHeaders.REASON);
      String detail = header(d.headers(), DeadLetterHeaders.DETAIL);
      int offset = Integer.parseInt(header(d.headers(), DeadLetterHeaders.SOURCE_OFFSET));
      assertNotNull(detail);
      assertTrue(detail.length() <= RecordValidation.MAX_DETAIL_CHARS + 40, "detail of " + detail.length() + " characters");
      assertTrue(!seen.get(offset), "offset " + offset + " dead-lettered twice");
      seen.set(offset);
      TrainingRecordFuzzer.Payload p = sent.get(offset);
      assertTrue(p.allowedReasons().contains(reason),
          "offset " + offset + " (" + p.kind() + ") got " + reason + " (" + detail + "), allowed " + p.allowedReasons());
      // The original bytes, unchanged.
      assertTrue(java.util.Arrays.equals(p.value(), d.value()), "offset " + offset + " value changed");
      reasons.merge(reason, 1, Integer::sum);
    }
  }

  /** An admitted payload decodes with Avro's own decoder to a record that meets every rule. */
  private static void assertAdmissible(TrainingRecordFuzzer.Payload p, int offset) {
    TrainingRecord r;
    try {
      r = TrainingRecord.fromByteBuffer(ByteBuffer.wrap(p.value()));
    } catch (Exception e) {
      throw new AssertionError("offset " + offset + " admitted but Avro cannot decode it", e);
    }
    String where = "offset " + offset + " (" + p.kind() + ")";
    assertEquals(new String(p.key(), StandardCharsets.UTF_8), r.getUserId(), where);
    assertEquals(FEATURES, r.getFeatures().size(), where);
    assertTrue(r.getFeatures().stream().allMatch(Float::isFinite), where);
    assertTrue(r.getLabel() != null && r.getLabel() >= 0 && r.getLabel() < CLASSES, where);
    assertTrue(r.getEventTime().toEpochMilli() >= 0, where);
  }

  private static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
