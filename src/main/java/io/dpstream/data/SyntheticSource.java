package io.dpstream.data;

import io.dpstream.avro.TrainingRecord;
import java.util.Iterator;
import org.apache.commons.math3.distribution.ZipfDistribution;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * A deterministic, infinite stream of user events for the demo and for tests: a learnable
 * classification task whose events are spread over many users with a heavy skew, so that a few
 * heavy users exhaust their privacy budget while most users spend little.
 *
 * <p><b>The task.</b> A teacher matrix {@code W} ({@code classes × features}, entries N(0, 1)) is
 * drawn from the spec's seed. Each event has features {@code x ~ N(0, I)} and label {@code argmax_k
 * (W x)_k}, replaced with probability {@code labelNoise} by a uniformly random class. A linear
 * softmax model can learn it; {@code SyntheticSourceTest} checks that a least-squares linear
 * classifier does.
 *
 * <p><b>The users.</b> Each event's user is drawn from a Zipf distribution over {@code users}
 * ranks with the spec's exponent (commons-math3's rejection-inversion sampler, Hörmann &amp;
 * Derflinger 1996); rank k is user {@code user-(k−1)}.
 *
 * <p><b>Determinism.</b> The same spec and stream number give the same events on every JVM
 * (Well19937c generators seeded from the spec). Stream 0 is the train stream, stream 1 the test
 * stream: the same task, different events. Event {@code i} has time {@code startMillis + i ·
 * intervalMillis}. Not thread-safe.
 */
public final class SyntheticSource implements Iterator<TrainingRecord> {

  /** The stream of the train split and of {@code dpstream produce --dataset synthetic}. */
  public static final int TRAIN_STREAM = 0;
  /** The stream of the test split. */
  public static final int TEST_STREAM = 1;

  private final SyntheticSpec spec;
  private final double[][] teacher;
  private final RandomGenerator random;
  private final ZipfDistribution userRanks;
  private long index;

  /** The train stream of {@code spec}. */
  public SyntheticSource(SyntheticSpec spec) {
    this(spec, TRAIN_STREAM);
  }

  /**
   * @param stream which independent stream of events over the same task: {@link #TRAIN_STREAM},
   *     {@link #TEST_STREAM} or any other non-negative number
   */
  public SyntheticSource(SyntheticSpec spec, int stream) {
    if (stream < 0) throw new IllegalArgumentException("stream must be >= 0: " + stream);
    this.spec = spec;
    RandomGenerator teacherRandom = new Well19937c(spec.seed());
    teacher = new double[spec.classes()][spec.features()];
    for (double[] row : teacher) {
      for (int j = 0; j < row.length; j++) row[j] = teacherRandom.nextGaussian();
    }
    random = new Well19937c(new int[] {(int) spec.seed(), (int) (spec.seed() >>> 32), stream + 1});
    userRanks = new ZipfDistribution(random, spec.users(), spec.zipfExponent());
  }

  public SyntheticSpec spec() {
    return spec;
  }

  /** Number of events emitted so far: the index of the next one. */
  public long position() {
    return index;
  }

  /** Always true: the stream is infinite. */
  @Override
  public boolean hasNext() {
    return true;
  }

  /** The next event as the record to publish (key = its user id). */
  @Override
  public TrainingRecord next() {
    Example e = nextExample();
    return e.toRecord(e.userId(), e.eventTimeMillis());
  }

  /** The next event as an example carrying its user id and event time. */
  public Example nextExample() {
    int rank = userRanks.sample();
    float[] x = new float[spec.features()];
    for (int j = 0; j < x.length; j++) x[j] = (float) random.nextGaussian();
    int label = argmaxTeacher(x);
    if (random.nextDouble() < spec.labelNoise()) label = random.nextInt(spec.classes());
    long time = spec.startMillis() + index * spec.intervalMillis();
    index++;
    return new Example(x, null, label, null, null, "user-" + (rank - 1), time);
  }

  /** The teacher's class for {@code x}: the noise-free label. */
  public int argmaxTeacher(float[] x) {
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < teacher.length; k++) {
      double s = 0;
      for (int j = 0; j < x.length; j++) s += teacher[k][j] * x[j];
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    return best;
  }
}
