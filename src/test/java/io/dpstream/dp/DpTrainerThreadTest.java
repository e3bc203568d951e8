package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A trainer used from a thread other than the one that loaded the engine (the Kafka trainer's
 * thread) takes many steps: PyTorch records autograd per thread, and a thread that records outside
 * the gradient collector breaks the second backward pass.
 */
class DpTrainerThreadTest {
  private static final List<UserExamples> USERS =
      List.of(
          new UserExamples("a", List.of(Example.classification(new float[] {1, 2, 3, 4}, 1))),
          new UserExamples("b", List.of(Example.classification(new float[] {1, 0, 3, 4}, 0))));

  @Test
  void stepsRepeatedlyOnAFreshThreadAfterARestore() throws Exception {
    DpSgdConfig c = DpSgdConfig.of(1.0, 1.0, 4);
    byte[] state;
    try (DpTrainer t = DpTrainer.create(ModelSpec.parse("mlp:4-8-2"), c)) {
      t.step(USERS);
      state = t.saveState();
    }
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Long> steps =
          pool.submit(
              () -> {
                try (DpTrainer t = DpTrainer.restore(state, c)) {
                  for (int i = 0; i < 3; i++) t.step(USERS);
                  return t.stepsTaken();
                }
              });
      assertEquals(4, steps.get());
    } finally {
      pool.shutdownNow();
    }
  }
}
