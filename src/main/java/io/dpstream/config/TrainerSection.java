package io.dpstream.config;

import java.time.Duration;
import java.util.Locale;

/**
 * How the trainer assembles steps, runs DP-SGD and publishes. The noise multiplier σ and the
 * records per user m are not here: they are the privacy section's and the gate's, so that the
 * trainer can never train with a σ the gate did not charge for.
 *
 * @param modelId the key of the model's snapshots and checkpoints: 1 to 200 of [A-Za-z0-9._-]
 * @param model the model spec ({@code mlp:784-1000-10}, {@code cnn:mnist}, JSON, ...)
 * @param clipNorm C: each user's gradient is clipped to this L2 norm
 * @param expectedBatchSize the fixed normaliser of the noisy sum: q times the expected number of
 *     eligible users (never the realised count, which is private)
 * @param optimizer {@code sgd} or {@code adam}
 * @param learningRate the optimiser's base learning rate
 * @param momentum SGD momentum in [0, 1)
 * @param weightDecay L2 weight decay, at or above 0
 * @param cosineSteps 0 for a constant learning rate, else the length of a cosine decay
 * @param device {@code auto}, {@code cpu} or {@code gpu}
 * @param seed seed of the parameter initialisation (never of the noise)
 * @param snapshotEverySteps publish a snapshot every this many steps
 * @param snapshotInterval also publish when this long has passed since the last one (0 = off)
 * @param commitEverySteps steps per Kafka transaction; each transaction ends with a checkpoint
 * @param stepTimeout how long to wait for every gate partition's marker of a step before
 *     training on the parts that arrived (late parts are discarded: they were charged already)
 * @param maxSteps stop after this many steps in total (0 = never)
 * @param transactionalId the trainer's transactional id: a second instance with the same id fences
 *     the first (standby fail-over)
 */
public record TrainerSection(
    String modelId,
    String model,
    double clipNorm,
    double expectedBatchSize,
    String optimizer,
    double learningRate,
    double momentum,
    double weightDecay,
    long cosineSteps,
    String device,
    long seed,
    long snapshotEverySteps,
    Duration snapshotInterval,
    long commitEverySteps,
    Duration stepTimeout,
    long maxSteps,
    String transactionalId) {

  public TrainerSection {
    if (modelId == null || !modelId.matches("[A-Za-z0-9._-]{1,200}"))
      throw new IllegalArgumentException(
          "trainer.modelId must be 1 to 200 of [A-Za-z0-9._-], got '" + modelId + "'");
    if (model == null) model = "";
    if (!(clipNorm > 0) || Double.isInfinite(clipNorm))
      throw new IllegalArgumentException("trainer.clipNorm must be > 0, got " + clipNorm);
    if (!(expectedBatchSize > 0) || Double.isInfinite(expectedBatchSize))
      throw new IllegalArgumentException(
          "trainer.expectedBatchSize must be > 0, got " + expectedBatchSize);
    optimizer = optimizer == null ? "" : optimizer.toLowerCase(Locale.ROOT);
    if (!optimizer.equals("sgd") && !optimizer.equals("adam"))
      throw new IllegalArgumentException("trainer.optimizer must be sgd or adam, got " + optimizer);
    if (!(learningRate > 0) || Double.isInfinite(learningRate))
      throw new IllegalArgumentException("trainer.learningRate must be > 0, got " + learningRate);
    if (!(momentum >= 0 && momentum < 1))
      throw new IllegalArgumentException("trainer.momentum must be in [0, 1), got " + momentum);
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay))
      throw new IllegalArgumentException("trainer.weightDecay must be >= 0, got " + weightDecay);
    if (cosineSteps < 0)
      throw new IllegalArgumentException("trainer.cosineSteps must be >= 0, got " + cosineSteps);
    if (snapshotEverySteps < 1)
      throw new IllegalArgumentException(
          "trainer.snapshotEverySteps must be >= 1, got " + snapshotEverySteps);
    if (snapshotInterval == null || snapshotInterval.isNegative())
      throw new IllegalArgumentException("trainer.snapshotInterval must be >= 0");
    if (commitEverySteps < 1)
      throw new IllegalArgumentException(
          "trainer.commitEverySteps must be >= 1, got " + commitEverySteps);
    if (stepTimeout == null || stepTimeout.toMillis() < 1)
      throw new IllegalArgumentException("trainer.stepTimeout must be >= 1ms");
    if (maxSteps < 0)
      throw new IllegalArgumentException("trainer.maxSteps must be >= 0, got " + maxSteps);
    if (transactionalId == null || transactionalId.isBlank())
      throw new IllegalArgumentException("trainer.transactionalId must not be empty");
  }

  static TrainerSection from(Settings s) {
    return new TrainerSection(
        s.string("trainer.modelId", "default"),
        s.string("trainer.model", ""),
        s.doubleValue("trainer.clipNorm", 1.0),
        s.doubleValue("trainer.expectedBatchSize", 256),
        s.string("trainer.optimizer", "sgd"),
        s.doubleValue("trainer.learningRate", 0.1),
        s.doubleValue("trainer.momentum", 0.0),
        s.doubleValue("trainer.weightDecay", 0.0),
        s.longValue("trainer.cosineSteps", 0, 0, Long.MAX_VALUE),
        s.string("trainer.device", "auto"),
        s.longValue("trainer.seed", 0, Long.MIN_VALUE, Long.MAX_VALUE),
        s.longValue("trainer.snapshotEverySteps", 10, 1, Long.MAX_VALUE),
        s.duration("trainer.snapshotInterval", Duration.ofSeconds(60)),
        s.longValue("trainer.commitEverySteps", 1, 1, Long.MAX_VALUE),
        s.duration("trainer.stepTimeout", Duration.ofSeconds(30)),
        s.longValue("trainer.maxSteps", 0, 0, Long.MAX_VALUE),
        s.string("trainer.transactionalId", "dpstream-trainer"));
  }
}
