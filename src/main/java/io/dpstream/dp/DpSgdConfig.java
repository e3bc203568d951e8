package io.dpstream.dp;

/**
 * Everything one DP-SGD run needs besides the model (DESIGN §2). Validated once; errors name the
 * field.
 *
 * @param clipNorm C > 0: every user's gradient is clipped to L2 norm C
 * @param noiseMultiplier σ >= 0: noise N(0, σ²C²·I) is added to the clipped sum each step (σ comes
 *     from the privacy package's calibration)
 * @param expectedBatchSize q·(eligible users) > 0: the fixed normaliser of the noisy sum, never the
 *     actual number of sampled users
 * @param maxRecordsPerUser m >= 1: most records one user contributes to a step
 * @param optimizer optimiser of the privatised gradient
 * @param schedule learning-rate schedule
 * @param device where the model runs
 * @param seed seed of the parameter initialisation only (the noise is never seeded by it)
 */
public record DpSgdConfig(
    double clipNorm,
    double noiseMultiplier,
    double expectedBatchSize,
    int maxRecordsPerUser,
    OptimizerConfig optimizer,
    LearningRateSchedule schedule,
    DeviceChoice device,
    long seed) {

  public DpSgdConfig {
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
      throw new IllegalArgumentException("dp.clipNorm must be > 0 and finite, got " + clipNorm);
    }
    if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
      throw new IllegalArgumentException("dp.noiseMultiplier must be >= 0, got " + noiseMultiplier);
    }
    if (!(expectedBatchSize > 0) || Double.isInfinite(expectedBatchSize)) {
      throw new IllegalArgumentException("dp.expectedBatchSize must be > 0, got " + expectedBatchSize);
    }
    if (maxRecordsPerUser < 1) {
      throw new IllegalArgumentException("dp.maxRecordsPerUser must be >= 1, got " + maxRecordsPerUser);
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("dp.optimizer must be set");
    }
    if (schedule == null) {
      throw new IllegalArgumentException("dp.schedule must be set");
    }
    if (device == null) {
      throw new IllegalArgumentException("dp.device must be auto, cpu or gpu");
    }
  }

  /** SGD (lr 0.1, no momentum), constant schedule, one record per user, device auto, seed 0. */
  public static DpSgdConfig of(double clipNorm, double noiseMultiplier, double expectedBatchSize) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, 1,
        OptimizerConfig.sgd(0.1, 0, 0), LearningRateSchedule.constant(), DeviceChoice.AUTO, 0);
  }

  public DpSgdConfig withOptimizer(OptimizerConfig o) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, maxRecordsPerUser, o,
        schedule, device, seed);
  }

  public DpSgdConfig withMaxRecordsPerUser(int m) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, m, optimizer, schedule,
        device, seed);
  }

  public DpSgdConfig withSchedule(LearningRateSchedule s) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, maxRecordsPerUser,
        optimizer, s, device, seed);
  }

  public DpSgdConfig withDevice(DeviceChoice d) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, maxRecordsPerUser,
        optimizer, schedule, d, seed);
  }

  public DpSgdConfig withSeed(long s) {
    return new DpSgdConfig(clipNorm, noiseMultiplier, expectedBatchSize, maxRecordsPerUser,
        optimizer, schedule, device, s);
  }
}
