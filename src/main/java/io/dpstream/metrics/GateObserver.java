package io.dpstream.metrics;

/**
 * What the gate reports as it runs: one call per record outcome and one per closed step. The
 * Prometheus implementation turns these into counters, gauges and histograms; tests count them.
 * Implementations must be thread-safe (one gate runs several stream threads) and cheap: they are
 * called on the hot path.
 */
public interface GateObserver {
  /** A record passed validation and the budget gate and entered its user's pool. */
  void admitted();

  /** A record was dropped because its user's budget is exhausted. */
  void droppedForBudget();

  /** A record went to the dead-letter topic; {@code reason} is one of a small fixed set. */
  void deadLettered(String reason);

  /** A gate partition closed a step. */
  void stepClosed(StepClosed step);

  /** An observer that ignores everything. */
  GateObserver NONE =
      new GateObserver() {
        @Override
        public void admitted() {}

        @Override
        public void droppedForBudget() {}

        @Override
        public void deadLettered(String reason) {}

        @Override
        public void stepClosed(StepClosed step) {}
      };
}
