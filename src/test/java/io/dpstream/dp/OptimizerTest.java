package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /**
   * A gradient handed over as g/u with unit u (as the DP step does, see {@link DpTrainer#step})
   * updates the parameters exactly as g in the unit 1, and the state saved afterwards is in the
   * unit 1 too; also when u changes from one update to the next, which converts the state. A
   * missing factor u anywhere (the step size, weight decay, Adam's ε, the conversion) changes the
   * update by up to the factor 2.5 used here.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sgd", "adam"})
  void gradientsInAUnitUpdateAsInTheUnitOne(String kind) {
    ModelSpec spec = ModelSpec.parse("mlp:6-5-3");
    OptimizerConfig config = kind.equals("sgd")
        ? OptimizerConfig.sgd(0.3, 0.9, 0.05)
        // ε comparable to the gradients, so that a wrong ε/u shows
        : new OptimizerConfig(OptimizerConfig.Kind.ADAM, 0.01, 0, 0.9, 0.999, 0.5, 0.05);
    double[] units = {0.37, 0.37, 2.5, 1};
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      DpModel plain = DpModel.build(spec, m, 7);
      DpModel scaled = DpModel.build(spec, m, 7);
      ParameterOptimizer inOne = ParameterOptimizer.create(config, plain.parameters, m);
      ParameterOptimizer inUnit = ParameterOptimizer.create(config, scaled.parameters, m);
      Random r = new Random(9);
      for (int t = 1; t <= units.length; t++) {
        double u = units[t - 1];
        try (NDManager step = m.newSubManager()) {
          List<NDArray> g = new ArrayList<>();
          List<NDArray> gOverU = new ArrayList<>();
          for (Parameter p : plain.parameters) {
            NDArray grad = step.randomNormal(p.array().getShape()).muli(1 + r.nextDouble());
            g.add(grad);
            gOverU.add(grad.div((float) u));
          }
          inOne.update(g, 0.3, t, step);
          inUnit.update(gOverU, u, 0.3, t, step);
          for (int i = 0; i < plain.parameters.size(); i++) {
            assertArrayEquals(plain.parameters.get(i).array().toFloatArray(),
                scaled.parameters.get(i).array().toFloatArray(), 2e-5f, "update " + t);
          }
          Map<String, NDArray> expected = inOne.state();
          Map<String, NDArray> saved = inUnit.stateInTrueUnits(step);
          assertEquals(expected.keySet(), saved.keySet());
          for (String name : expected.keySet()) {
            float[] want = expected.get(name).toFloatArray();
            float[] got = saved.get(name).toFloatArray();
            for (int j = 0; j < want.length; j++) {
              assertEquals(want[j], got[j], 1e-5 * (1 + Math.abs(want[j])), name + " after " + t);
            }
          }
        }
      }
    }
  }

  /**
   * Through the trainer, with noise: after one DP step with momentum from a zero buffer, the
   * saved buffer is the privatised gradient itself, (θ₀ − θ₁)/lr, in the unit 1.
   */
  @Test
  void savedMomentumIsTheNoisyGradientInTheUnitOne() {
    ModelSpec spec = ModelSpec.parse("mlp:6-5-3");
    DpSgdConfig config = DpSgdConfig.of(0.5, 1.3, 4).withOptimizer(OptimizerConfig.sgd(0.2, 0.9, 0))
        .withSeed(5).withDevice(DeviceChoice.CPU);
    try (DpTrainer t = DpTrainer.create(spec, config)) {
      Map<String, float[]> before = t.parameterValues();
      t.step(GhostClipperTest.randomUsers(spec, 4, 1, new Random(4)));
      Map<String, float[]> after = t.parameterValues();
      var saved = SafetensorsFormat.read(t.saveState()).tensors();
      for (String name : before.keySet()) {
        float[] buffer = saved.get("optimizer." + name + ".momentum_buffer").data();
        for (int i = 0; i < buffer.length; i++) {
          double gradient = (before.get(name)[i] - after.get(name)[i]) / 0.2;
          assertEquals(gradient, buffer[i], 1e-4 * (1 + Math.abs(gradient)), name);
        }
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
