package io.dpstream.privacy;

/**
 * ε from Rényi DP and the order that gave it.
 *
 * @param epsilon ε ≥ 0, +∞ when no order gives a finite value
 * @param order the Rényi order α &gt; 1 that minimised ε (NaN when ε is +∞)
 */
public record RdpEpsilon(double epsilon, double order) {}
