package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A model built from a {@link ModelSpec}: its layers and parameters, owned by one NDManager.
 * Building checks shapes and refuses layers that have no per-example gradient rule (BatchNorm
 * among them) with a message naming the layer.
 */
final class DpModel {
  final ModelSpec spec;
  final List<Layer> layers;
  final List<Parameter> parameters;

  DpModel(ModelSpec spec, List<Layer> layers) {
    this.spec = spec;
    this.layers = List.copyOf(layers);
    List<Parameter> ps = new ArrayList<>();
    for (Layer l : layers) {
      if (!l.parameters().isEmpty()) {
        GhostRules.ruleFor(l);
      }
      ps.addAll(l.parameters());
    }
    this.parameters = List.copyOf(ps);
  }

  /**
   * Builds and initialises a model: weights and biases uniform in ±1/√fan_in (PyTorch's default
   * for Linear and Conv2d), embeddings N(0, 1), normalisation γ = 1, β = 0, all from {@code seed}.
   *
   * @throws IllegalArgumentException for shape mismatches or unsupported layers, naming the layer
   */
  static DpModel build(ModelSpec spec, NDManager m, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Long> shape = new ArrayList<>();
    spec.input().forEach(d -> shape.add((long) d));
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < spec.layers().size(); i++) {
      LayerSpec ls = spec.layers().get(i);
      String name = Integer.toString(i);
      String where = "model layer " + i + " (" + ls.type() + ")";
      if (ls instanceof LayerSpec.Linear l) {
        require(shape.size() == 1 && shape.get(0) == l.in(),
            where + " takes " + l.in() + " inputs but receives shape " + shape
                + (shape.size() > 1 ? "; add a flatten layer first" : ""));
        layers.add(new Layers.Linear(name, uniform(m, rng, l.in(), l.out(), l.in()),
            uniform(m, rng, l.in(), l.out())));
        shape.set(0, (long) l.out());
      } else if (ls instanceof LayerSpec.Conv2d c) {
        require(shape.size() == 3 && shape.get(0) == c.in(),
            where + " takes (" + c.in() + ", H, W) but receives shape " + shape);
        long h = (shape.get(1) + 2L * c.padding() - c.kernel()) / c.stride() + 1;
        long w = (shape.get(2) + 2L * c.padding() - c.kernel()) / c.stride() + 1;
        require(h >= 1 && w >= 1, where + ": kernel larger than the padded input " + shape);
        int fanIn = c.in() * c.kernel() * c.kernel();
        layers.add(new Layers.Convolution(name,
            uniform(m, rng, fanIn, c.out(), c.in(), c.kernel(), c.kernel()),
            uniform(m, rng, fanIn, c.out()), c.kernel(), c.stride(), c.padding()));
        shape.set(0, (long) c.out());
        shape.set(1, h);
        shape.set(2, w);
      } else if (ls instanceof LayerSpec.MaxPool2d p) {
        require(shape.size() == 3, where + " takes (C, H, W) but receives shape " + shape);
        long h = (shape.get(1) - p.kernel()) / p.stride() + 1;
        long w = (shape.get(2) - p.kernel()) / p.stride() + 1;
        require(h >= 1 && w >= 1, where + ": window larger than the input " + shape);
        layers.add(new Layers.MaxPool(name, p.kernel(), p.stride()));
        shape.set(1, h);
        shape.set(2, w);
      } else if (ls instanceof LayerSpec.Flatten) {
        long n = shape.stream().reduce(1L, (a, b) -> a * b);
        shape.clear();
        shape.add(n);
        layers.add(new Layers.Flatten(name));
      } else if (ls instanceof LayerSpec.Activation a) {
        layers.add(new Layers.ElementWise(name, a.kind()));
      } else if (ls instanceof LayerSpec.LayerNorm n) {
        require(!shape.isEmpty() && shape.get(shape.size() - 1) == n.dim(),
            where + " normalises a last axis of " + n.dim() + " but receives shape " + shape);
        layers.add(new Layers.LayerNorm(name, m.ones(new Shape(n.dim())), m.zeros(new Shape(n.dim()))));
      } else if (ls instanceof LayerSpec.GroupNorm g) {
        require(shape.size() >= 2 && shape.get(0) == g.channels(),
            where + " takes (" + g.channels() + ", ...) but receives shape " + shape);
        layers.add(new Layers.GroupNorm(name, g.groups(), m.ones(new Shape(g.channels())),
            m.zeros(new Shape(g.channels()))));
      } else if (ls instanceof LayerSpec.Embedding e) {
        require(i == 0, where + " must be the first layer");
        require(shape.size() == 1 && shape.get(0) == e.dense(),
            where + " takes " + e.dense() + " dense features but the model input is " + shape);
        List<NDArray> tables = new ArrayList<>();
        for (LayerSpec.Embedding.Field f : e.fields()) {
          float[] v = new float[f.vocabulary() * f.dim()];
          for (int k = 0; k < v.length; k++) {
            v[k] = (float) rng.nextGaussian();
          }
          tables.add(m.create(v, new Shape(f.vocabulary(), f.dim())));
        }
        layers.add(new Layers.Embedding(name, tables));
        shape.set(0, (long) e.outputWidth());
      } else if (ls instanceof LayerSpec.BatchNorm) {
        throw new IllegalArgumentException(where + " is not supported under DP-SGD: batch "
            + "normalisation mixes the examples of a batch, so a user's gradient depends on other "
            + "users' data and per-user clipping cannot bound it; use groupnorm or layernorm");
      } else {
        throw new IllegalArgumentException(where + " is not supported");
      }
    }
    if (spec.task() == ModelSpec.Task.CLASSIFICATION) {
      require(shape.size() == 1 && shape.get(0) >= 2,
          "a classification model must end with >= 2 outputs (one per class), got shape " + shape);
    } else {
      require(shape.size() == 1 && shape.get(0) == 1,
          "a regression model must end with one output, got shape " + shape);
    }
    return new DpModel(spec, layers);
  }

  private static NDArray uniform(NDManager m, SplittableRandom rng, int fanIn, long... shape) {
    Shape s = new Shape(shape);
    float[] v = new float[Math.toIntExact(s.size())];
    double bound = 1.0 / Math.sqrt(fanIn);
    for (int k = 0; k < v.length; k++) {
      v[k] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return m.create(v, s);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Forward pass; records probes when {@code tape} is not null. */
  NDArray forward(Batch batch, Tape tape) {
    NDArray x = batch.features;
    for (Layer l : layers) {
      x = l.forward(x, batch, tape);
    }
    return x;
  }
}
