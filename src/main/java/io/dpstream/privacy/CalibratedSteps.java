package io.dpstream.privacy;

/**
 * The largest affordable number of steps and the ε it actually gives (never above the target).
 *
 * @param maxSteps ≥ 0; one more step would exceed the target
 * @param epsilon ε after {@code maxSteps} steps, ≤ the target
 */
public record CalibratedSteps(long maxSteps, double epsilon) {}
