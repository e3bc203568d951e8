package io.dpstream.cli;

import io.dpstream.data.DatasetKind;

/**
 * Per-data-set defaults of {@code dpstream experiment}, each overridable by a flag. MNIST follows
 * the record-level setting of Abadi et al. 2016 and the Opacus MNIST example (the same CNN, SGD,
 * C = 1, lot of about 256 from 60,000); MovieLens is user-level (each rater is a user).
 *
 * @param model the model spec
 * @param batch expected users per step (q = batch / users)
 * @param steps DP-SGD steps
 * @param clipNorm C
 * @param learningRate the optimiser's learning rate
 * @param momentum SGD momentum
 * @param recordsPerUser m, the records a sampled user contributes
 * @param userLevel whether users come from the data (true) or every record is its own user
 */
record ExperimentDefaults(
    String model,
    int batch,
    long steps,
    double clipNorm,
    double learningRate,
    double momentum,
    int recordsPerUser,
    boolean userLevel) {

  static ExperimentDefaults of(DatasetKind kind) {
    return switch (kind) {
      case MNIST, FASHION_MNIST -> new ExperimentDefaults("cnn:mnist", 256, 2350, 1.0, 0.25, 0.5, 1, false);
      case ADULT -> new ExperimentDefaults("mlp:105-32-2", 256, 1000, 1.0, 0.5, 0.9, 1, false);
      case MOVIELENS -> new ExperimentDefaults("embed:943x16,1682x16-32-1", 64, 500, 1.0, 0.05, 0.9, 16, true);
      case SYNTHETIC -> new ExperimentDefaults("mlp:16-32-4", 256, 300, 1.0, 0.5, 0.9, 1, false);
      case CSV -> throw new IllegalArgumentException(
          "--dataset csv has no defaults: use produce, run and predict with your own settings");
    };
  }
}
