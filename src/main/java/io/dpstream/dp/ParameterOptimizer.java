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
 *
 * <p>A gradient may come in a unit u: the arrays hold g/u. The DP step uses this to leave its
 * noise unscaled (see {@link DpTrainer#step}): u enters the update's scalars, where it is free,
 * instead of a pass over every coordinate. The state is kept in the unit of the last update (a
 * momentum buffer b/u, Adam's moments m/u and v/u²) and converted, one pass, only when the unit
 * changes; {@link #stateInTrueUnits} gives it in the unit 1 for saving.
 */
abstract class ParameterOptimizer {
  final OptimizerConfig config;
  final List<Parameter> parameters;
  /** The unit the state arrays are kept in; 1 until an update in another unit. */
  private double stateUnit = 1;

  ParameterOptimizer(OptimizerConfig config, List<Parameter> parameters) {
    this.config = config;
    this.parameters = parameters;
  }

  static ParameterOptimizer create(OptimizerConfig config, List<Parameter> parameters, NDManager m) {
    return config.kind() == OptimizerConfig.Kind.SGD
        ? new Sgd(config, parameters, m)
        : new Adam(config, parameters, m);
  }

  /** {@link #update(List, double, double, long, NDManager)} of a gradient in the unit 1. */
  final void update(List<NDArray> gradients, double learningRate, long t, NDManager step) {
    update(gradients, 1, learningRate, t, step);
  }

  /**
   * One update.
   *
   * @param gradients one per parameter, owned by {@code step}; may be modified
   * @param unit u > 0: the gradient is u times {@code gradients}
   * @param learningRate this step's rate
   * @param t 1-based index of this update (Adam's bias correction)
   * @param step the step's manager
   */
  final void update(List<NDArray> gradients, double unit, double learningRate, long t,
      NDManager step) {
    if (unit != stateUnit) {
      convertState(stateUnit / unit);
      stateUnit = unit;
    }
    apply(gradients, unit, learningRate, t, step);
  }

  /** The update proper, state and gradients in the unit u (see the class comment). */
  abstract void apply(List<NDArray> gradients, double unit, double learningRate, long t,
      NDManager step);

  /** Multiplies state kept in first-power units by {@code ratio} (second-power by its square). */
  abstract void convertState(double ratio);

  /**
   * Optimiser state by saved name ({@code optimizer.<parameter>.<buffer>}), in a fixed order, as
   * the arrays themselves: in {@link #stateUnit}. Restoring writes into them while it is 1.
   */
  abstract Map<String, NDArray> state();

  /**
   * {@link #state()} in the unit 1, for saving: the arrays themselves when they are kept in it,
   * else converted copies owned by {@code scratch}.
   */
  final Map<String, NDArray> stateInTrueUnits(NDManager scratch) {
    if (stateUnit == 1) {
      return state();
    }
    Map<String, NDArray> copies = new LinkedHashMap<>();
    state().forEach((name, a) -> {
      double power = secondPower(name) ? stateUnit * stateUnit : stateUnit;
      copies.put(name, temp(a.mul((float) power), scratch));
    });
    return copies;
  }

  /** Whether the state array {@code name} scales with the square of the gradient's unit. */
  boolean secondPower(String name) {
    return false;
  }

  /**
   * Moves the result of an operation on a long-lived array (which DJL would attach to the model's
   * manager) into a short-lived one.
   */
  static NDArray temp(NDArray a, NDManager scratch) {
    a.attach(scratch);
    return a;
  }

  /** g/u + (λ/u)·θ: weight decay λ, in the gradient's unit u. */
  NDArray decayed(NDArray g, double unit, Parameter p, NDManager scratch) {
    if (config.weightDecay() == 0) {
      return g;
    }
    return g.addi(temp(p.array().mul((float) (config.weightDecay() / unit)), scratch));
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
    void apply(List<NDArray> gradients, double unit, double learningRate, long t,
        NDManager step) {
      // b/u ← μ·b/u + g/u; θ ← θ − (lr·u)·b/u
      float rate = (float) (learningRate * unit);
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        try (NDManager scratch = step.newSubManager()) {
          NDArray g = decayed(gradients.get(i), unit, p, scratch);
          if (config.momentum() > 0) {
            NDArray b = momentum.get("optimizer." + p.name() + ".momentum_buffer");
            b.muli((float) config.momentum()).addi(g);
            p.array().subi(temp(b.mul(rate), scratch));
          } else {
            p.array().subi(g.muli(rate));
          }
        }
      }
    }

    @Override
    void convertState(double ratio) {
      momentum.values().forEach(b -> b.muli((float) ratio));
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
    void apply(List<NDArray> gradients, double unit, double learningRate, long t,
        NDManager step) {
      // with m/u and v/u² the update is lr·m̂/u / (√(v̂/u²) + ε/u): ε is the only scalar to convert
      float b1 = (float) config.beta1();
      float b2 = (float) config.beta2();
      double correction1 = 1 - Math.pow(config.beta1(), t);
      double correction2 = 1 - Math.pow(config.beta2(), t);
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        try (NDManager scratch = step.newSubManager()) {
          NDArray g = decayed(gradients.get(i), unit, p, scratch);
          NDArray m = state.get("optimizer." + p.name() + ".exp_avg");
          NDArray v = state.get("optimizer." + p.name() + ".exp_avg_sq");
          m.muli(b1).addi(temp(g.mul(1 - b1), scratch));
          v.muli(b2).addi(g.muli(g).muli(1 - b2)); // g is not needed after this
          NDArray denominator = temp(v.div((float) correction2), scratch).sqrt()
              .addi((float) (config.epsilon() / unit));
          NDArray update =
              temp(m.mul((float) (learningRate / correction1)), scratch).divi(denominator);
          p.array().subi(update);
        }
      }
    }

    @Override
    void convertState(double ratio) {
      state.forEach((name, a) -> a.muli((float) (secondPower(name) ? ratio * ratio : ratio)));
    }

    @Override
    boolean secondPower(String name) {
      return name.endsWith(".exp_avg_sq");
    }

    @Override
    Map<String, NDArray> state() {
      return state;
    }
  }
}
