package io.dpstream.stream;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The gate's durable outcome counts as its step markers tell them, for integration tests. */
final class LatestMarkers {
  private LatestMarkers() {}

  /** Each gate partition's marker of the highest step among {@code steps} (step-contributions). */
  static Map<Integer, StepMarker> of(List<ConsumerRecord<byte[], byte[]>> steps) {
    Map<Integer, StepMarker> latest = new HashMap<>();
    Map<Integer, Long> latestStep = new HashMap<>();
    for (var r : steps) {
      StepMessage m = GateMessages.stepMessage(r.value());
      if (m.getBody() instanceof StepMarker marker
          && m.getStep() >= latestStep.getOrDefault(m.getGatePartition(), -1L)) {
        latest.put(m.getGatePartition(), marker);
        latestStep.put(m.getGatePartition(), m.getStep());
      }
    }
    return latest;
  }

  /** Admitted + dropped for budget + dead-lettered, summed over the partitions' markers. */
  static long outcomes(Map<Integer, StepMarker> latest) {
    return latest.values().stream()
        .mapToLong(m -> m.getRecordsAdmitted() + m.getRecordsDroppedForBudget() + m.getRecordsDeadLettered())
        .sum();
  }
}
