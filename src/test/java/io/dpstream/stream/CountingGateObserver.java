package io.dpstream.stream;

import io.dpstream.metrics.GateObserver;
import io.dpstream.metrics.StepClosed;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Counts every outcome the gate reports, thread-safely. */
class CountingGateObserver implements GateObserver {
  final AtomicLong admitted = new AtomicLong();
  final AtomicLong droppedForBudget = new AtomicLong();
  final Map<String, AtomicLong> deadLettered = new ConcurrentHashMap<>();
  final List<StepClosed> steps = new CopyOnWriteArrayList<>();

  @Override
  public void admitted() {
    admitted.incrementAndGet();
  }

  @Override
  public void droppedForBudget() {
    droppedForBudget.incrementAndGet();
  }

  @Override
  public void deadLettered(String reason) {
    deadLettered.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void stepClosed(StepClosed step) {
    steps.add(step);
  }

  long deadLetteredTotal() {
    return deadLettered.values().stream().mapToLong(AtomicLong::get).sum();
  }

  long outcomes() {
    return admitted.get() + droppedForBudget.get() + deadLetteredTotal();
  }
}
