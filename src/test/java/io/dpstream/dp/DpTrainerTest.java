package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DpTrainerTest {

  private static DpSgdConfig exact(double expectedBatch, int maxRecords, OptimizerConfig opt) {
    return DpSgdConfig.of(1e6, 0, expectedBatch).withMaxRecordsPerUser(maxRecords)
        .withOptimizer(opt).withSeed(3).withDevice(DeviceChoice.CPU);
  }

  /** With σ = 0 and a C no user reaches, a DP step is the non-private step on the same mean loss. */
  @ParameterizedTest(name = "{0} records per user")
  @ValueSource(ints = {1, 3})
  void dpStepWithoutNoiseOrClippingEqualsPlainStep(int maxRecords) {
    ModelSpec spec = ModelSpec.parse("mlp:6-5-3");
    for (OptimizerConfig opt : List.of(OptimizerConfig.sgd(0.5, 0.9, 0.01), OptimizerConfig.adam(0.01, 0))) {
      try (DpTrainer dp = DpTrainer.create(spec, exact(6, maxRecords, opt));
          DpTrainer plain = DpTrainer.create(spec, exact(6, maxRecords, opt))) {
        Random r = new Random(11);
        for (int s = 0; s < 3; s++) {
          List<UserExamples> users = GhostClipperTest.randomUsers(spec, 6, maxRecords, r);
          dp.step(users);
          plain.nonPrivateStep(users);
        }
        Map<String, float[]> a = dp.parameterValues();
        Map<String, float[]> b = plain.parameterValues();
        for (String name : a.keySet()) {
          assertArrayEquals(b.get(name), a.get(name), 1e-5f, opt.kind() + " " + name);
        }
        assertEquals(3, dp.stepsTaken());
      }
    }
  }

  /**
   * An empty step with lr 1 moves θ by −noise/B: its coordinates must have mean 0 and standard
   * deviation σC/B. The tolerance (3%) is about 10 standard errors of the sample deviation over
   * ~10⁴ coordinates, and far from σ/B (C missing), σC (no division) or σC/√B.
   */
  @Test
  void emptyStepAddsNoiseOfScaleSigmaTimesClipOverExpectedBatch() {
    double sigma = 1.3;
    double clip = 0.4;
    double expectedBatch = 4;
    DpSgdConfig config = new DpSgdConfig(clip, sigma, expectedBatch, 1,
        OptimizerConfig.sgd(1.0, 0, 0), LearningRateSchedule.constant(), DeviceChoice.CPU, 1);
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("mlp:100-100-10"), config)) {
      float[] before = concat(t.parameterValues());
      StepResult result = t.step(List.of());
      float[] after = concat(t.parameterValues());
      double[] stats = meanAndStd(before, after);
      double expected = sigma * clip / expectedBatch;
      assertEquals(0, stats[0], 5 * expected / Math.sqrt(before.length), "mean");
      assertEquals(expected, stats[1], 0.03 * expected, "standard deviation");
      assertEquals(1, t.stepsTaken());
      assertEquals(0, result.users());
      // a second empty step draws fresh noise
      float[] again = concat(t.parameterValues());
      t.step(List.of());
      assertNotEquals(meanAndStd(again, concat(t.parameterValues()))[0], stats[0]);
    }
  }

  @Test
  void noiseIsAddedOnceAndNormalisedByExpectedBatchNotByActualCount() {
    // 2 sampled users, expected batch 10: with σ = 0 the step is Σ clipped / 10, not / 2.
    ModelSpec spec = ModelSpec.parse("logreg:6-3");
    Random r = new Random(5);
    List<UserExamples> users = GhostClipperTest.randomUsers(spec, 2, 1, r);
    try (DpTrainer ten = DpTrainer.create(spec, exact(10, 1, OptimizerConfig.sgd(1, 0, 0)));
        DpTrainer two = DpTrainer.create(spec, exact(2, 1, OptimizerConfig.sgd(1, 0, 0)))) {
      float[] start = concat(ten.parameterValues());
      ten.step(users);
      two.step(users);
      float[] a = concat(ten.parameterValues());
      float[] b = concat(two.parameterValues());
      for (int i = 0; i < a.length; i++) {
        assertEquals((b[i] - start[i]) / 5, a[i] - start[i], 1e-6);
      }
    }
  }

  /**
   * Arrays of a step live in sub-managers closed with the step; step data reaches native memory
   * through reused staging buffers. (DJL still makes a few-byte direct buffer per scalar operand,
   * reclaimed by the garbage collector: hence a bound of 1 KiB per step, where copying each step's
   * 200-feature batch into fresh buffers would cost about 20 KiB per step.)
   */
  @Test
  void nativeMemoryDoesNotGrowAcrossSteps() {
    ModelSpec spec = ModelSpec.parse("mlp:200-5-3");
    DpSgdConfig config = DpSgdConfig.of(1, 1, 8).withMaxRecordsPerUser(3)
        .withOptimizer(OptimizerConfig.adam(0.01, 0.1)).withDevice(DeviceChoice.CPU);
    try (DpTrainer t = DpTrainer.create(spec, config)) {
      Random r = new Random(1);
      // the largest batch first: staging buffers grow to the largest step, then stay
      List<UserExamples> largest = GhostClipperTest.randomUsers(spec, 8, 1, r).stream()
          .map(u -> new UserExamples(u.userId(), List.of(u.examples().get(0), u.examples().get(0),
              u.examples().get(0)))).toList();
      t.step(largest);
      t.nonPrivateStep(largest);
      int owned = t.ownedArrayCount();
      long direct = directBufferBytes();
      int steps = 0;
      for (int s = 0; s < 30; s++) {
        t.step(GhostClipperTest.randomUsers(spec, 8, 3, r));
        t.step(List.of());
        t.nonPrivateStep(GhostClipperTest.randomUsers(spec, 8, 3, r));
        steps += 3;
      }
      assertEquals(owned, t.ownedArrayCount(), "arrays left in the model's manager");
      long growth = directBufferBytes() - direct;
      assertTrue(growth < 1024L * steps, "direct buffers grew by " + growth + " bytes");
    }
  }

  @Test
  void stateRoundTripsThroughSafetensorsAndTrainingContinuesIdentically() {
    ModelSpec spec = ModelSpec.parse("cnn:mnist");
    DpSgdConfig config = exact(4, 2, OptimizerConfig.adam(0.01, 0.001));
    Random r = new Random(2);
    try (DpTrainer t = DpTrainer.create(spec, config)) {
      t.step(GhostClipperTest.randomUsers(spec, 4, 2, r));
      byte[] state = t.saveState();
      try (DpTrainer back = DpTrainer.restore(state, config)) {
        assertEquals(1, back.stepsTaken());
        assertEquals(spec, back.spec());
        List<UserExamples> next = GhostClipperTest.randomUsers(spec, 4, 2, r);
        t.step(next);
        back.step(next);
        assertArrayEquals(concat(t.parameterValues()), concat(back.parameterValues()), 1e-6f);
      }
      // an independent reader (DJL's) parses the same bytes as safetensors
      try (NDManager m = NDManager.newBaseManager()) {
        NDList list = NDList.decode(m, state);
        assertEquals(t.parameterValues().size() * 3, list.size(), "parameters + exp_avg + exp_avg_sq");
        assertEquals("0.weight", list.get(0).getName());
      }
      assertThrows(IllegalArgumentException.class,
          () -> DpTrainer.restore(state, config.withOptimizer(OptimizerConfig.sgd(0.1, 0, 0))));
      assertThrows(IllegalArgumentException.class,
          () -> DpTrainer.restore(new byte[] {1, 2, 3}, config));
    }
  }

  @Test
  void predictorReproducesTheTrainersModel() {
    ModelSpec spec = ModelSpec.parse("embed:5x3,4x2+2-4-1");
    try (DpTrainer t = DpTrainer.create(spec, exact(4, 1, OptimizerConfig.sgd(0.1, 0, 0)))) {
      List<UserExamples> users = GhostClipperTest.randomUsers(spec, 4, 1, new Random(9));
      t.step(users);
      List<Example> examples = users.stream().map(u -> u.examples().get(0)).toList();
      try (Predictor p = Predictor.load(t.saveParameters(), DeviceChoice.CPU)) {
        float[][] out = p.predict(examples);
        assertEquals(4, out.length);
        assertEquals(1, out[0].length);
        try (Predictor same = Predictor.load(spec, t.saveState(), DeviceChoice.AUTO)) {
          assertArrayEquals(out[2], same.predict(examples)[2], 1e-6f);
        }
      }
    }
  }

  @Test
  void predictorServesConcurrentCalls() throws Exception {
    ModelSpec spec = ModelSpec.parse("mlp:6-5-3");
    try (DpTrainer t = DpTrainer.create(spec, exact(4, 1, OptimizerConfig.sgd(0.1, 0, 0)));
        Predictor p = Predictor.load(t.saveParameters(), DeviceChoice.CPU)) {
      List<Example> examples = GhostClipperTest.randomUsers(spec, 32, 1, new Random(4)).stream()
          .map(u -> u.examples().get(0)).toList();
      float[][] expected = p.predict(examples);
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<float[][]>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          results.add(pool.submit(() -> p.predict(examples)));
        }
        for (var f : results) {
          float[][] got = f.get();
          for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], got[i], 0f);
          }
        }
      } finally {
        pool.shutdownNow();
      }
      for (float[] row : expected) {
        double sum = 0;
        for (float v : row) {
          sum += v;
        }
        assertEquals(1, sum, 1e-5, "probabilities sum to 1");
      }
    }
  }

  @Test
  void refusesUsersWithTooManyRecords() {
    ModelSpec spec = ModelSpec.parse("logreg:6-3");
    try (DpTrainer t = DpTrainer.create(spec, DpSgdConfig.of(1, 1, 4))) {
      List<UserExamples> users = GhostClipperTest.randomUsers(spec, 3, 3, new Random(1));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.step(users));
      assertTrue(e.getMessage().contains("maxRecordsPerUser"), e.getMessage());
      assertEquals(0, t.stepsTaken());
    }
  }

  /**
   * A 4-class task (Gaussian blobs in 10 dimensions) learned under DP: σ = 1, C = 1, Poisson
   * sampling q = 0.1 of 1000 users, 150 steps; test accuracy must beat chance (0.25) widely.
   */
  @Test
  void learnsASyntheticTaskUnderDp() {
    Random r = new Random(42);
    float[][] centres = new float[4][10];
    for (float[] c : centres) {
      for (int k = 0; k < c.length; k++) {
        c[k] = (float) (2 * r.nextGaussian());
      }
    }
    List<UserExamples> pool = new ArrayList<>();
    for (int u = 0; u < 1000; u++) {
      List<Example> ex = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        ex.add(blob(centres, r));
      }
      pool.add(new UserExamples("u" + u, ex));
    }
    DpSgdConfig config = new DpSgdConfig(1, 1, 100, 2, OptimizerConfig.sgd(0.5, 0.9, 0),
        LearningRateSchedule.cosine(150, 0.1), DeviceChoice.AUTO, 7);
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("mlp:10-16-4"), config)) {
      for (int s = 0; s < 150; s++) {
        List<UserExamples> sampled = pool.stream().filter(u -> r.nextDouble() < 0.1).toList();
        t.step(sampled);
      }
      List<Example> test = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        test.add(blob(centres, r));
      }
      try (Predictor p = Predictor.load(t.saveParameters(), DeviceChoice.AUTO)) {
        double accuracy = p.accuracy(test);
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
      }
    }
  }

  private static Example blob(float[][] centres, Random r) {
    int label = r.nextInt(centres.length);
    float[] f = new float[centres[0].length];
    for (int k = 0; k < f.length; k++) {
      f[k] = centres[label][k] + (float) r.nextGaussian();
    }
    return Example.classification(f, label);
  }

  private static long directBufferBytes() {
    return java.lang.management.ManagementFactory
        .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct"))
        .mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum();
  }

  static float[] concat(Map<String, float[]> values) {
    int n = values.values().stream().mapToInt(v -> v.length).sum();
    float[] out = new float[n];
    int o = 0;
    for (float[] v : values.values()) {
      System.arraycopy(v, 0, out, o, v.length);
      o += v.length;
    }
    return out;
  }

  private static double[] meanAndStd(float[] before, float[] after) {
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < before.length; i++) {
      double d = (double) after[i] - before[i];
      sum += d;
      sq += d * d;
    }
    double mean = sum / before.length;
    return new double[] {mean, Math.sqrt(sq / before.length - mean * mean)};
  }
}
