package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.TrainingRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.junit.jupiter.api.Test;

/** The synthetic source: deterministic, skewed over users, and learnable by a linear model. */
class SyntheticSourceTest {

  private static final SyntheticSpec SPEC = SyntheticSpec.defaults().withStart(1_000_000L, 10L);

  @Test
  void theSameSpecGivesTheSameStream() {
    SyntheticSource a = new SyntheticSource(SPEC);
    SyntheticSource b = new SyntheticSource(SPEC);
    for (int i = 0; i < 2_000; i++) assertEquals(a.next(), b.next());
    assertEquals(2_000, a.position());

    SyntheticSource otherSeed = new SyntheticSource(SPEC.withSeed(43));
    SyntheticSource testStream = new SyntheticSource(SPEC, SyntheticSource.TEST_STREAM);
    SyntheticSource c = new SyntheticSource(SPEC);
    List<TrainingRecord> first = new ArrayList<>();
    for (int i = 0; i < 100; i++) first.add(c.next());
    List<TrainingRecord> seeded = new ArrayList<>();
    List<TrainingRecord> test = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      seeded.add(otherSeed.next());
      test.add(testStream.next());
    }
    assertNotEquals(first, seeded);
    assertNotEquals(first, test);
  }

  @Test
  void recordsCarryUsersTimesAndTheSpecShape() {
    SyntheticSource s = new SyntheticSource(SPEC);
    for (int i = 0; i < 1_000; i++) {
      TrainingRecord r = s.next();
      assertEquals(1_000_000L + 10L * i, r.getEventTime().toEpochMilli());
      assertEquals(16, r.getFeatures().size());
      assertTrue(r.getLabel() >= 0 && r.getLabel() < 4);
      int user = Integer.parseInt(r.getUserId().substring("user-".length()));
      assertTrue(user >= 0 && user < 10_000, r.getUserId());
    }
  }

  @Test
  void afewHeavyUsersEmitMostEvents() {
    SyntheticSource s = new SyntheticSource(SPEC);
    int events = 100_000;
    Map<String, Integer> perUser = new HashMap<>();
    for (int i = 0; i < events; i++) perUser.merge(s.nextExample().userId(), 1, Integer::sum);
    int[] counts = perUser.values().stream().mapToInt(Integer::intValue).sorted().toArray();
    int top100 = Arrays.stream(counts, counts.length - 100, counts.length).sum();
    int median = counts[counts.length / 2];
    // Zipf(1) over 10,000 users: the top 1% hold H(100)/H(10000) ≈ 53% of events, the heaviest
    // user about 10%, while the median active user has a handful.
    assertTrue(top100 > 0.45 * events, "top 1% hold " + top100);
    assertTrue(counts[counts.length - 1] > 0.08 * events, "heaviest has " + counts[counts.length - 1]);
    assertTrue(median <= 5, "median " + median);
    assertTrue(perUser.size() > 5_000, "only " + perUser.size() + " users seen");
    assertTrue(perUser.get("user-0") > perUser.getOrDefault("user-9", 0) * 5);
  }

  @Test
  void aLinearClassifierLearnsTheTaskFromTrainAndGeneralisesToTest() {
    SyntheticSpec spec = SPEC.withSizes(20_000, 5_000);
    SyntheticDatasetReader reader = new SyntheticDatasetReader(spec);
    DatasetSplit train = reader.read(Split.TRAIN);
    DatasetSplit test = reader.read(Split.TEST);
    assertEquals(20_000, train.size());
    assertEquals(5_000, test.size());
    assertEquals(spec.shape(), train.shape());
    int f = spec.features();
    int k = spec.classes();
    // Least squares onto one-hot labels (with a bias column), then argmax: a linear classifier.
    RealMatrix x = new Array2DRowRealMatrix(train.size(), f + 1);
    RealMatrix y = new Array2DRowRealMatrix(train.size(), k);
    for (int i = 0; i < train.size(); i++) {
      Example e = train.examples().get(i);
      for (int j = 0; j < f; j++) x.setEntry(i, j, e.features()[j]);
      x.setEntry(i, f, 1);
      y.setEntry(i, e.label(), 1);
    }
    RealMatrix w = new QRDecomposition(x).getSolver().solve(y);
    int correct = 0;
    for (Example e : test.examples()) {
      double best = Double.NEGATIVE_INFINITY;
      int predicted = -1;
      for (int c = 0; c < k; c++) {
        double score = w.getEntry(f, c);
        for (int j = 0; j < f; j++) score += w.getEntry(j, c) * e.features()[j];
        if (score > best) {
          best = score;
          predicted = c;
        }
      }
      if (predicted == e.label()) correct++;
    }
    double accuracy = correct / (double) test.size();
    // Chance is about 25%; the noise-free teacher reaches about 96% (5% noise over 4 classes).
    assertTrue(accuracy > 0.80, "accuracy " + accuracy);
  }
}
