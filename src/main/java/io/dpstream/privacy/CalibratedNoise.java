package io.dpstream.privacy;

/**
 * A calibrated noise multiplier and the ε it actually gives (never above the target).
 *
 * @param noiseMultiplier σ &gt; 0
 * @param epsilon ε at σ, ≤ the target
 */
public record CalibratedNoise(double noiseMultiplier, double epsilon) {}
