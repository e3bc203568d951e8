package io.dpstream.stream;

/**
 * A message for step-contributions with the gate partition that wrote it: the sink routes it to
 * step-contributions partition {@code gatePartition % partitions}, so that all of one gate
 * partition's contributions to a step precede its marker in one partition's order.
 *
 * @param gatePartition the gate (input) partition that closed the step
 * @param bytes the Avro single-object encoded {@code StepMessage}
 */
record StepOutput(int gatePartition, byte[] bytes) {}
