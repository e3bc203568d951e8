package io.dpstream.data;

/**
 * The parameters of the {@link SyntheticSource}.
 *
 * @param users number of distinct users, >= 1; user {@code user-0} is the heaviest
 * @param features dense features per event, >= 1
 * @param classes number of classes, >= 2
 * @param zipfExponent skew of events over users: user of rank k (1-based) emits a share
 *     proportional to {@code k^-s}, s > 0; near 0 is nearly uniform, 1 (the default) gives the top 1% of 10,000
 *     users about half of all events
 * @param labelNoise probability in [0, 1) that an event's label is replaced by a uniformly random
 *     class (so the best achievable accuracy is about {@code 1 − noise · (classes − 1) /
 *     classes})
 * @param seed determines the task (the teacher weights) and every event
 * @param startMillis event time of the first event, milliseconds since the epoch
 * @param intervalMillis event time step between consecutive events, >= 0
 * @param trainSize events in the train split read through {@link SyntheticDatasetReader}, >= 1
 * @param testSize events in the test split read through {@link SyntheticDatasetReader}, >= 1
 */
public record SyntheticSpec(
    int users,
    int features,
    int classes,
    double zipfExponent,
    double labelNoise,
    long seed,
    long startMillis,
    long intervalMillis,
    int trainSize,
    int testSize) {

  /** @throws IllegalArgumentException naming the field out of range */
  public SyntheticSpec {
    if (users < 1) throw new IllegalArgumentException("users must be >= 1: " + users);
    if (features < 1) throw new IllegalArgumentException("features must be >= 1: " + features);
    if (classes < 2) throw new IllegalArgumentException("classes must be >= 2: " + classes);
    if (!(zipfExponent > 0) || Double.isInfinite(zipfExponent)) {
      throw new IllegalArgumentException("zipfExponent must be finite and > 0: " + zipfExponent);
    }
    if (!(labelNoise >= 0 && labelNoise < 1)) {
      throw new IllegalArgumentException("labelNoise must be in [0, 1): " + labelNoise);
    }
    if (intervalMillis < 0) {
      throw new IllegalArgumentException("intervalMillis must be >= 0: " + intervalMillis);
    }
    if (trainSize < 1) throw new IllegalArgumentException("trainSize must be >= 1: " + trainSize);
    if (testSize < 1) throw new IllegalArgumentException("testSize must be >= 1: " + testSize);
  }

  /**
   * 10,000 users, 16 features, 4 classes, Zipf exponent 1, 5% label noise, seed 42, events 10 ms
   * apart from now, 100,000 train and 10,000 test events.
   */
  public static SyntheticSpec defaults() {
    return new SyntheticSpec(10_000, 16, 4, 1.0, 0.05, 42L, System.currentTimeMillis(), 10L,
        100_000, 10_000);
  }

  public SyntheticSpec withSeed(long newSeed) {
    return new SyntheticSpec(users, features, classes, zipfExponent, labelNoise, newSeed,
        startMillis, intervalMillis, trainSize, testSize);
  }

  public SyntheticSpec withStart(long newStartMillis, long newIntervalMillis) {
    return new SyntheticSpec(users, features, classes, zipfExponent, labelNoise, seed,
        newStartMillis, newIntervalMillis, trainSize, testSize);
  }

  public SyntheticSpec withUsers(int newUsers) {
    return new SyntheticSpec(newUsers, features, classes, zipfExponent, labelNoise, seed,
        startMillis, intervalMillis, trainSize, testSize);
  }

  public SyntheticSpec withShape(int newFeatures, int newClasses) {
    return new SyntheticSpec(users, newFeatures, newClasses, zipfExponent, labelNoise, seed,
        startMillis, intervalMillis, trainSize, testSize);
  }

  public SyntheticSpec withSizes(int newTrainSize, int newTestSize) {
    return new SyntheticSpec(users, features, classes, zipfExponent, labelNoise, seed,
        startMillis, intervalMillis, newTrainSize, newTestSize);
  }

  /** The shape of the examples: {@code features} dense features, {@code classes} classes. */
  public DatasetShape shape() {
    return DatasetShape.classification(features, classes);
  }
}
