package io.dpstream.stream;

import io.dpstream.metrics.StepClosed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What one gate partition has durably done: the last step it closed and exact outcome counts. It is
 * stored in the {@code gate-progress} store (key = partition) and so committed in the same
 * transaction as the input offsets and outputs it describes: unlike in-memory metrics, these
 * counts stay exact across crashes and restarts, and every {@code StepMarker} carries them.
 *
 * <p>Mutable, owned by one task's processor, written back after every change.
 */
final class PartitionProgress {
  private static final byte VERSION = 2;
  static final int BUCKETS = StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.size() + 1;
  private static final double[] BOUNDS =
      StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.stream().mapToDouble(Double::doubleValue).toArray();

  /** The last step closed, or -1 before the first. */
  long lastClosedStep = -1;
  /** How many steps this partition has closed: pooled users' virtual charges count these. */
  long closedSteps;
  /** Admitted records since the last close (count trigger). */
  long admittedSinceStep;
  long admitted;
  long droppedForBudget;
  long deadLettered;
  /** Users who reached the warning fraction (ever). */
  long usersNearCap;
  /** Users who can take no further step (ever). */
  long usersExhausted;
  double maxEpsilon;
  /** Users charged at the last closed step, by their ε after it (rebuilt at every close). */
  final long[] epsilonBuckets = new long[BUCKETS];

  static int bucketOf(double epsilon) {
    for (int i = 0; i < BOUNDS.length; i++) if (epsilon <= BOUNDS[i]) return i;
    return BOUNDS.length;
  }

  /** Counts a user charged at this step whose ε is now {@code epsilon}. */
  void charged(double epsilon) {
    epsilonBuckets[bucketOf(epsilon)]++;
    if (epsilon > maxEpsilon) maxEpsilon = epsilon;
  }

  List<Long> bucketList() {
    List<Long> l = new ArrayList<>(BUCKETS);
    for (long c : epsilonBuckets) l.add(c);
    return l;
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(1 + 9 * 8 + 8 * BUCKETS);
    b.put(VERSION)
        .putLong(lastClosedStep)
        .putLong(closedSteps)
        .putLong(admittedSinceStep)
        .putLong(admitted)
        .putLong(droppedForBudget)
        .putLong(deadLettered)
        .putLong(usersNearCap)
        .putLong(usersExhausted)
        .putDouble(maxEpsilon);
    for (long c : epsilonBuckets) b.putLong(c);
    return b.array();
  }

  static PartitionProgress decode(byte[] bytes) {
    PartitionProgress p = new PartitionProgress();
    if (bytes == null) return p;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (b.get() != VERSION) throw new IllegalStateException("unknown gate progress format");
    p.lastClosedStep = b.getLong();
    p.closedSteps = b.getLong();
    p.admittedSinceStep = b.getLong();
    p.admitted = b.getLong();
    p.droppedForBudget = b.getLong();
    p.deadLettered = b.getLong();
    p.usersNearCap = b.getLong();
    p.usersExhausted = b.getLong();
    p.maxEpsilon = b.getDouble();
    for (int i = 0; i < BUCKETS; i++) p.epsilonBuckets[i] = b.getLong();
    return p;
  }
}
