package io.dpstream.cli;

import io.dpstream.metrics.GateObserver;
import io.dpstream.metrics.StepClosed;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the gate's record outcomes so that a command can wait until a data set is ingested. */
final class AdmissionCounter implements GateObserver {
  private final AtomicLong admitted = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();

  @Override
  public void admitted() {
    admitted.incrementAndGet();
  }

  @Override
  public void droppedForBudget() {
    dropped.incrementAndGet();
  }

  @Override
  public void deadLettered(String reason) {
    deadLettered.incrementAndGet();
  }

  @Override
  public void stepClosed(StepClosed step) {}

  long outcomes() {
    return admitted.get() + dropped.get() + deadLettered.get();
  }

  /** Waits until {@code records} outcomes were counted. */
  void awaitOutcomes(long records, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (outcomes() < records) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException(
            "the gate handled only " + outcomes() + " of " + records + " records in " + timeout);
      Thread.sleep(100);
    }
  }

  @Override
  public String toString() {
    return admitted.get() + " admitted, " + dropped.get() + " dropped for budget, "
        + deadLettered.get() + " dead-lettered";
  }
}
