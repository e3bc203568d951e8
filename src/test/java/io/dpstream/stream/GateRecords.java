package io.dpstream.stream;

import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds and reads the gate's wire formats in tests. */
final class GateRecords {
  private GateRecords() {}

  static TrainingRecord.Builder record(String userId, int features, int label) {
    List<Float> f = new ArrayList<>(features);
    for (int i = 0; i < features; i++) f.add(i * 0.5f);
    return TrainingRecord.newBuilder()
        .setUserId(userId)
        .setEventTime(Instant.ofEpochMilli(1_000))
        .setFeatures(f)
        .setLabel(label);
  }

  static byte[] encode(TrainingRecord r) {
    return GateProcessor.bytes(r::toByteBuffer);
  }

  static byte[] key(String userId) {
    return userId.getBytes(StandardCharsets.UTF_8);
  }

  static StepMessage step(byte[] bytes) {
    return GateMessages.stepMessage(bytes);
  }
}
