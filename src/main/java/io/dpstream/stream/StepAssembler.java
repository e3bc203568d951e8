package io.dpstream.stream;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.UserContribution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Collects step-contributions into whole steps, in step order (DESIGN §3, step 5).
 *
 * <p>Step t is ready when every gate partition g has either sent its marker for t, or has been
 * seen writing a later step (a gate partition writes its steps in order to one contributions
 * partition, so it will never send t: it skipped it while down), or when the step has waited
 * {@code timeout} since its first message. Parts of a step that arrive after the step was trained
 * are late: they are discarded and counted. They were charged already, which only over-counts ε.
 *
 * <p>For exactly-once restarts it also answers which input offsets may be committed: per input
 * partition, the smallest offset of a message still pending, or the consumer's position when none
 * is, so that a restart from the committed offsets re-reads exactly the untrained messages.
 *
 * <p>Not thread-safe: the trainer's poll loop owns it.
 */
public final class StepAssembler {
  private final Duration timeout;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();
  /** Highest step index seen from each gate partition. */
  private final Map<Integer, Long> newestStepByGatePartition = new HashMap<>();
  private long lastGateStep;
  private long lateContributions;
  private int expectedPartitions;

  /**
   * @param lastGateStep the step trained last (from the checkpoint), or {@link Long#MIN_VALUE}
   * @param lateContributions late contributions discarded before (from the checkpoint)
   * @param timeout how long a step waits for missing markers after its first message
   */
  public StepAssembler(long lastGateStep, long lateContributions, Duration timeout) {
    this.lastGateStep = lastGateStep;
    this.lateContributions = lateContributions;
    this.timeout = timeout;
  }

  /**
   * Takes one message read from input partition {@code partition} at {@code offset}.
   *
   * @return false if the message is late (its step was trained already) and was discarded
   */
  public boolean offer(StepMessage message, int partition, long offset, long nowMillis) {
    long step = message.getStep();
    if (step <= lastGateStep) {
      if (message.getBody() instanceof UserContribution) lateContributions++;
      return false;
    }
    newestStepByGatePartition.merge(message.getGatePartition(), step, Math::max);
    Pending p = pending.computeIfAbsent(step, s -> new Pending(nowMillis));
    p.minOffsetByPartition.merge(partition, offset, Math::min);
    if (message.getBody() instanceof UserContribution c) {
      p.contributions.add(c);
    } else if (message.getBody() instanceof StepMarker m) {
      p.markers.put(message.getGatePartition(), m);
      expectedPartitions = Math.max(expectedPartitions, m.getGatePartitions());
    }
    return true;
  }

  /** The lowest pending step if it is ready; it is then no longer pending. */
  public Optional<AssembledStep> nextReady(long nowMillis) {
    Map.Entry<Long, Pending> first = pending.firstEntry();
    if (first == null) return Optional.empty();
    long step = first.getKey();
    Pending p = first.getValue();
    if (!allPartitionsDone(step, p) && nowMillis - p.firstSeenMillis < timeout.toMillis()) {
      return Optional.empty();
    }
    pending.pollFirstEntry();
    lastGateStep = step;
    return Optional.of(
        new AssembledStep(
            step, p.contributions, new ArrayList<>(p.markers.values()), expectedPartitions));
  }

  private boolean allPartitionsDone(long step, Pending p) {
    if (expectedPartitions == 0) return false;
    for (int g = 0; g < expectedPartitions; g++) {
      if (p.markers.containsKey(g)) continue;
      Long newest = newestStepByGatePartition.get(g);
      if (newest == null || newest <= step) return false;
    }
    return true;
  }

  /**
   * Offsets safe to commit with the current transaction.
   *
   * @param positions the consumer's position (next offset to read) per input partition
   * @return per partition, the smallest offset still pending there, else its position
   */
  public Map<Integer, Long> committableOffsets(Map<Integer, Long> positions) {
    Map<Integer, Long> out = new HashMap<>(positions);
    for (Pending p : pending.values()) {
      p.minOffsetByPartition.forEach((partition, offset) -> out.merge(partition, offset, Math::min));
    }
    return out;
  }

  /** The gate step trained last. */
  public long lastGateStep() {
    return lastGateStep;
  }

  /** Contributions discarded because their step had been trained already. */
  public long lateContributions() {
    return lateContributions;
  }

  /** Steps with at least one message that are not trained yet. */
  public int pendingSteps() {
    return pending.size();
  }

  private static final class Pending {
    final long firstSeenMillis;
    final List<UserContribution> contributions = new ArrayList<>();
    final Map<Integer, StepMarker> markers = new TreeMap<>();
    final Map<Integer, Long> minOffsetByPartition = new HashMap<>();

    Pending(long firstSeenMillis) {
      this.firstSeenMillis = firstSeenMillis;
    }
  }
}
