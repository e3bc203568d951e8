package io.dpstream.dp;

/**
 * The optimiser applied to the privatised gradient (post-processing, so any choice keeps the
 * guarantee). Weight decay is L2, added to the privatised gradient before the update, as the
 * {@code weight_decay} of PyTorch's SGD and Adam.
 *
 * @param kind SGD (with momentum, heavy ball as torch.optim.SGD) or ADAM (Kingma & Ba 2015, Alg. 1;
 *     "DP-Adam")
 * @param learningRate base learning rate, > 0 (scaled by the {@link LearningRateSchedule})
 * @param momentum SGD momentum in [0, 1)
 * @param beta1 Adam β1 in [0, 1)
 * @param beta2 Adam β2 in [0, 1)
 * @param epsilon Adam ε > 0
 * @param weightDecay L2 coefficient >= 0
 */
public record OptimizerConfig(
    Kind kind, double learningRate, double momentum, double beta1, double beta2, double epsilon,
    double weightDecay) {

  /** The optimiser family. */
  public enum Kind {
    SGD,
    ADAM
  }

  public OptimizerConfig {
    if (kind == null) {
      throw new IllegalArgumentException("optimizer.kind must be sgd or adam");
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("optimizer.learningRate must be > 0, got " + learningRate);
    }
    unit("optimizer.momentum", momentum);
    unit("optimizer.beta1", beta1);
    unit("optimizer.beta2", beta2);
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("optimizer.epsilon must be > 0, got " + epsilon);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("optimizer.weightDecay must be >= 0, got " + weightDecay);
    }
  }

  /** SGD with heavy-ball momentum (0 for plain SGD) and L2 weight decay. */
  public static OptimizerConfig sgd(double learningRate, double momentum, double weightDecay) {
    return new OptimizerConfig(Kind.SGD, learningRate, momentum, 0.9, 0.999, 1e-8, weightDecay);
  }

  /** Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8. */
  public static OptimizerConfig adam(double learningRate, double weightDecay) {
    return new OptimizerConfig(Kind.ADAM, learningRate, 0, 0.9, 0.999, 1e-8, weightDecay);
  }

  private static void unit(String field, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(field + " must be in [0, 1), got " + v);
    }
  }
}
