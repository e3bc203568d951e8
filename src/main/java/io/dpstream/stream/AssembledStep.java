package io.dpstream.stream;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.UserContribution;
import java.util.List;

/**
 * One gate step as the trainer trains on it: the sampled users' contributions from every gate
 * partition that reported in time, and those partitions' markers.
 *
 * @param gateStep the gate's step index
 * @param contributions the sampled users' records (not DP: private data)
 * @param markers the markers that arrived, at most one per gate partition
 * @param expectedPartitions gate partitions that close each step, or 0 if no marker arrived
 */
public record AssembledStep(
    long gateStep,
    List<UserContribution> contributions,
    List<StepMarker> markers,
    int expectedPartitions) {

  public AssembledStep {
    contributions = List.copyOf(contributions);
    markers = List.copyOf(markers);
  }

  /** True when every gate partition's marker arrived (no part of the step was given up on). */
  public boolean complete() {
    return expectedPartitions > 0 && markers.size() == expectedPartitions;
  }
}
