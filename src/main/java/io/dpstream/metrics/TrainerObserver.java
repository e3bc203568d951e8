package io.dpstream.metrics;

/**
 * What the trainer reports as it runs: one call per DP-SGD step taken, one per snapshot published,
 * and the consumer lag on its input whenever it measures it. The Prometheus implementation turns
 * these into counters, gauges and histograms; tests count them. Implementations must be
 * thread-safe and cheap.
 */
public interface TrainerObserver {
  /** The trainer applied one DP-SGD step to the model. */
  void stepTaken(TrainerStep step);

  /** A model snapshot was published (all of its chunks written). */
  void snapshotPublished(SnapshotPublished snapshot);

  /**
   * The trainer's consumer lag on one partition of its input topic.
   *
   * @param partition the input partition, &gt;= 0
   * @param records records between the committed position and the end of the partition, &gt;= 0
   */
  void consumerLag(int partition, long records);

  /** An observer that ignores everything. */
  TrainerObserver NONE =
      new TrainerObserver() {
        @Override
        public void stepTaken(TrainerStep step) {}

        @Override
        public void snapshotPublished(SnapshotPublished snapshot) {}

        @Override
        public void consumerLag(int partition, long records) {}
      };
}
