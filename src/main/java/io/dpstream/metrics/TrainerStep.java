package io.dpstream.metrics;

/**
 * Operational summary of one DP-SGD step taken by the trainer. The user count depends on private
 * data (it is the realised Poisson batch size) and must only reach privileged endpoints.
 *
 * @param step the global step index, &gt;= 0
 * @param users users whose clipped contributions entered the step, &gt;= 0
 * @param durationSeconds wall time of the step (collect, gradients, noise, update), &gt;= 0
 * @param modelEpsilon ε of the model after this step at the configured δ, as the accountant states
 *     it for the published snapshot; &gt;= 0
 */
public record TrainerStep(long step, long users, double durationSeconds, double modelEpsilon) {
  public TrainerStep {
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    if (users < 0) throw new IllegalArgumentException("users must be >= 0, got " + users);
    if (!(durationSeconds >= 0) || Double.isInfinite(durationSeconds))
      throw new IllegalArgumentException(
          "durationSeconds must be finite and >= 0, got " + durationSeconds);
    if (!(modelEpsilon >= 0))
      throw new IllegalArgumentException("modelEpsilon must be >= 0, got " + modelEpsilon);
  }
}
