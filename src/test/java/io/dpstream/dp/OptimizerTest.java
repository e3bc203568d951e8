package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {

  private static DpSgdConfig exact(OptimizerConfig opt) {
    return DpSgdConfig.of(1e6, 0, 4).withOptimizer(opt).withSeed(5).withDevice(DeviceChoice.CPU);
  }

  /** First Adam step: m̂ = g, v̂ = g², so Δθ = −lr·g/(|g| + ε) (Kingma & Ba 2015, Alg. 1). */
  @Test
  void adamFirstStepFollowsAlgorithmOne() {
    ModelSpec spec = ModelSpec.parse("mlp:6-5-3");
    List<UserExamples> users = GhostClipperTest.randomUsers(spec, 4, 1, new Random(3));
    try (DpTrainer sgd = DpTrainer.create(spec, exact(OptimizerConfig.sgd(1, 0, 0)));
        DpTrainer adam = DpTrainer.create(spec, exact(OptimizerConfig.adam(0.01, 0)))) {
      float[] start = DpTrainerTest.concat(sgd.parameterValues());
      sgd.step(users);
      adam.step(users);
      float[] g = DpTrainerTest.concat(sgd.parameterValues());
      float[] a = DpTrainerTest.concat(adam.parameterValues());
      for (int i = 0; i < g.length; i++) {
        double grad = start[i] - g[i];
        double expected = start[i] - 0.01 * grad / (Math.abs(grad) + 1e-8);
        assertEquals(expected, a[i], 1e-5);
      }
    }
  }

  /** With a zero gradient (empty step, σ = 0), L2 decay gives θ ← θ(1 − lr·λ). */
  @Test
  void weightDecayShrinksParameters() {
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("logreg:6-3"),
        exact(OptimizerConfig.sgd(0.5, 0, 0.1)))) {
      float[] start = DpTrainerTest.concat(t.parameterValues());
      t.step(List.of());
      float[] after = DpTrainerTest.concat(t.parameterValues());
      for (int i = 0; i < start.length; i++) {
        assertEquals(start[i] * 0.95, after[i], 1e-6);
      }
    }
  }

  /** Heavy ball: two steps with the same (zero-noise) gradient g move θ by lr·g and lr·(1+μ)·g. */
  @Test
  void momentumAccumulates() {
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("logreg:6-3"),
        exact(OptimizerConfig.sgd(0.5, 0.9, 0.1)))) {
      float[] p0 = DpTrainerTest.concat(t.parameterValues());
      t.step(List.of());
      float[] p1 = DpTrainerTest.concat(t.parameterValues());
      t.step(List.of());
      float[] p2 = DpTrainerTest.concat(t.parameterValues());
      for (int i = 0; i < p0.length; i++) {
        double b1 = 0.1 * p0[i];
        double b2 = 0.9 * b1 + 0.1 * p1[i];
        assertEquals(p0[i] - 0.5 * b1, p1[i], 1e-6);
        assertEquals(p1[i] - 0.5 * b2, p2[i], 1e-6);
      }
    }
  }

  @Test
  void cosineScheduleDecaysFromOneToTheFloor() {
    LearningRateSchedule s = LearningRateSchedule.cosine(100, 0.1);
    assertEquals(1.0, s.factor(0), 1e-12);
    assertEquals(0.55, s.factor(50), 1e-12);
    assertEquals(0.1, s.factor(100), 1e-12);
    assertEquals(0.1, s.factor(10_000), 1e-12);
    assertEquals(1.0, LearningRateSchedule.constant().factor(123), 0);
  }

  @Test
  void scheduleScalesTheLearningRateOfEachStep() {
    DpSgdConfig config = exact(OptimizerConfig.sgd(0.2, 0, 0))
        .withSchedule(LearningRateSchedule.cosine(2, 0));
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("logreg:6-3"), config)) {
      assertEquals(0.2, t.step(List.of()).learningRate(), 1e-12);
      assertEquals(0.1, t.step(List.of()).learningRate(), 1e-12);
      assertEquals(0.0, t.step(List.of()).learningRate(), 1e-12);
      Map<String, float[]> v = t.parameterValues();
      assertEquals(2, v.size());
    }
  }
}
