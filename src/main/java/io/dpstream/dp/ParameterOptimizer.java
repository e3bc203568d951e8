package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters in place from a (privatised) gradient. State arrays live in the model's
 * manager and are updated in place; every temporary is attached to the step's manager, so nothing
 * accumulates across steps.
 */
abstract class ParameterOptimizer {
  final OptimizerConfig config;
  final List<Parameter> parameters;

  ParameterOptimizer(OptimizerConfig config, List<Parameter> parameters) {
    this.config = config;
    this.parameters = parameters;
  }

  static ParameterOptimizer create(OptimizerConfig config, List<Parameter> parameters, NDManager m) {
    return config.kind() == OptimizerConfig.Kind.SGD
        ? new Sgd(config, parameters, m)
        : new Adam(config, parameters, m);
  }

  /**
   * One update.
   *
   * @param gradients one per parameter, owned by {@code step}; may be modified
   * @param learningRate this step's rate
   * @param t 1-based index of this update (Adam's bias correction)
   * @param step the step's manager
   */
  abstract void update(List<NDArray> gradients, double learningRate, long t, NDManager step);

  /** Optimiser state by saved name ({@code optimizer.<parameter>.<buffer>}), in a fixed order. */
  abstract Map<String, NDArray> state();

  /**
   * Moves the result of an operation on a long-lived array (which DJL would attach to the model's
   * manager) into a short-lived one.
   */
  static NDArray temp(NDArray a, NDManager scratch) {
    a.attach(scratch);
    return a;
  }

  NDArray decayed(NDArray g, Parameter p, NDManager scratch) {
    if (config.weightDecay() == 0) {
      return g;
    }
    return g.addi(temp(p.array().mul((float) config.weightDecay()), scratch));
  }

  /** Heavy-ball SGD as torch.optim.SGD: b ← μ·b + g; θ ← θ − lr·b (b = g at μ = 0). */
  static final class Sgd extends ParameterOptimizer {
    private final Map<String, NDArray> momentum = new LinkedHashMap<>();

    Sgd(OptimizerConfig config, List<Parameter> parameters, NDManager m) {
      super(config, parameters);
      if (config.momentum() > 0) {
        for (Parameter p : parameters) {
          momentum.put("optimizer." + p.name() + ".momentum_buffer", m.zeros(p.array().getShape()));
        }
      }
    }

    @Override
    void update(List<NDArray> gradients, double learningRate, long t, NDManager step) {
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        try (NDManager scratch = step.newSubManager()) {
          NDArray g = decayed(gradients.get(i), p, scratch);
          if (config.momentum() > 0) {
            NDArray b = momentum.get("optimizer." + p.name() + ".momentum_buffer");
            b.muli((float) config.momentum()).addi(g);
            p.array().subi(temp(b.mul((float) learningRate), scratch));
          } else {
            p.array().subi(g.muli((float) learningRate));
          }
        }
      }
    }

    @Override
    Map<String, NDArray> state() {
      return momentum;
    }
  }

  /**
   * Adam (Kingma & Ba 2015, Algorithm 1) on the privatised gradient: m ← β1·m + (1−β1)·g,
   * v ← β2·v + (1−β2)·g², θ ← θ − lr·m̂ / (√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ).
   */
  static final class Adam extends ParameterOptimizer {
    private final Map<String, NDArray> state = new LinkedHashMap<>();

    Adam(OptimizerConfig config, List<Parameter> parameters, NDManager m) {
      super(config, parameters);
      for (Parameter p : parameters) {
        state.put("optimizer." + p.name() + ".exp_avg", m.zeros(p.array().getShape()));
        state.put("optimizer." + p.name() + ".exp_avg_sq", m.zeros(p.array().getShape()));
      }
    }

    @Override
    void update(List<NDArray> gradients, double learningRate, long t, NDManager step) {
      float b1 = (float) config.beta1();
      float b2 = (float) config.beta2();
      double correction1 = 1 - Math.pow(config.beta1(), t);
      double correction2 = 1 - Math.pow(config.beta2(), t);
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        try (NDManager scratch = step.newSubManager()) {
          NDArray g = decayed(gradients.get(i), p, scratch);
          NDArray m = state.get("optimizer." + p.name() + ".exp_avg");
          NDArray v = state.get("optimizer." + p.name() + ".exp_avg_sq");
          m.muli(b1).addi(temp(g.mul(1 - b1), scratch));
          v.muli(b2).addi(g.muli(g).muli(1 - b2)); // g is not needed after this
          NDArray denominator = temp(v.div((float) correction2), scratch).sqrt()
              .addi((float) config.epsilon());
          NDArray update =
              temp(m.mul((float) (learningRate / correction1)), scratch).divi(denominator);
          p.array().subi(update);
        }
      }
    }

    @Override
    Map<String, NDArray> state() {
      return state;
    }
  }
}
