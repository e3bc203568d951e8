package io.dpstream.cli;

import io.dpstream.data.DatasetKind;

/**
 * Per-data-set defaults of {@code dpstream experiment}, each overridable by a flag.
 *
 * <p>MNIST and Fashion-MNIST are record-level, with the MNIST CNN of Opacus's example and tanh
 * activations (tempered sigmoids: Papernot et al. 2020, "Tempered Sigmoid Activations for Deep
 * Learning with Differential Privacy", reach about 98% at ε ≈ 3 with it). The lot is large (q =
 * 0.04, 2,400 expected examples of 60,000): the noise on the mean gradient, σC/(q·N), is then small
 * at every ε of the paper-level targets, and fewer, larger steps are cheaper through the pipeline.
 * The step count grows with ε ({@link #steps(double)}): at a fixed ε every extra step costs more
 * noise on each.
 *
 * <p>MovieLens is user-level (each rater is a user; 943 users): a model of one bias per user and
 * per item ({@code embed:943x1,1682x1-1}), trained by Adam, whose per-coordinate scaling gives
 * the sparse embedding rows (each seen by few users) the step size that the dense bias does not
 * need; q = 0.5, since with so few users only large lots bring the noise on the mean below the
 * signal; each sampled user contributes their 4 newest ratings (m = 4), so that one item's share
 * of the user's clipped gradient is large (m = 2, 4, 8, 16 gave RMSE 1.211, 1.212, 1.215, 1.220
 * at ε = 8 in a tuning sweep of the same trainer; m = 1 gave 1.231).
 *
 * @param kind the data set
 * @param model the model spec
 * @param batch expected users per step (q = batch / users)
 * @param steps DP-SGD steps at ε >= 4 (see {@link #steps(double)})
 * @param clipNorm C
 * @param optimizer {@code sgd} or {@code adam}
 * @param learningRate the optimiser's learning rate
 * @param momentum SGD momentum
 * @param recordsPerUser m, the records a sampled user contributes
 * @param userLevel whether users come from the data (true) or every record is its own user
 */
record ExperimentDefaults(
    DatasetKind kind,
    String model,
    int batch,
    long steps,
    double clipNorm,
    String optimizer,
    double learningRate,
    double momentum,
    int recordsPerUser,
    boolean userLevel) {

  /**
   * The Opacus MNIST CNN (conv 1→16 k8 s2 p3, max-pool 2 s1, conv 16→32 k4 s2, max-pool 2 s1,
   * linear 512→32, linear 32→10) with tanh between layers.
   */
  static final String MNIST_TANH_CNN =
      "{\"input\":[1,28,28],\"task\":\"classification\",\"layers\":["
          + "{\"type\":\"conv2d\",\"in\":1,\"out\":16,\"kernel\":8,\"stride\":2,\"padding\":3},{\"type\":\"tanh\"},"
          + "{\"type\":\"maxpool2d\",\"kernel\":2,\"stride\":1},"
          + "{\"type\":\"conv2d\",\"in\":16,\"out\":32,\"kernel\":4,\"stride\":2},{\"type\":\"tanh\"},"
          + "{\"type\":\"maxpool2d\",\"kernel\":2,\"stride\":1},{\"type\":\"flatten\"},"
          + "{\"type\":\"linear\",\"in\":512,\"out\":32},{\"type\":\"tanh\"},"
          + "{\"type\":\"linear\",\"in\":32,\"out\":10}]}";

  static ExperimentDefaults of(DatasetKind kind) {
    return switch (kind) {
      case MNIST, FASHION_MNIST ->
          new ExperimentDefaults(kind, MNIST_TANH_CNN, 2400, 300, 1.0, "sgd", 2.0, 0.5, 1, false);
      case ADULT -> new ExperimentDefaults(kind, "mlp:105-32-2", 256, 1000, 1.0, "sgd", 0.5, 0.9, 1, false);
      case MOVIELENS ->
          new ExperimentDefaults(kind, "embed:943x1,1682x1-1", 472, 200, 1.0, "adam", 0.02, 0.9, 4, true);
      case SYNTHETIC -> new ExperimentDefaults(kind, "mlp:16-32-4", 256, 300, 1.0, "sgd", 0.5, 0.9, 1, false);
      case CSV -> throw new IllegalArgumentException(
          "--dataset csv has no defaults: use produce, run and predict with your own settings");
    };
  }

  /**
   * Default steps at a target ε: for (Fashion-)MNIST 50 below ε = 1, 150 below ε = 4, else
   * {@link #steps()}; for the other data sets always {@link #steps()}.
   */
  long steps(double epsilon) {
    if (kind != DatasetKind.MNIST && kind != DatasetKind.FASHION_MNIST) return steps;
    if (epsilon < 1) return 50;
    if (epsilon < 4) return 150;
    return steps;
  }
}
