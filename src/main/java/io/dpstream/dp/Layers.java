package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;

/** The layer implementations, each a thin wrapper over DJL's functional operators. */
final class Layers {
  private Layers() {}

  /** Fully connected: y = x·Wᵀ + b with W (out, in), as ai.djl.nn.core.Linear. */
  static final class Linear implements Layer {
    final String name;
    final NDArray weight;
    final NDArray bias;

    Linear(String name, NDArray weight, NDArray bias) {
      this.name = name;
      this.weight = weight;
      this.bias = bias;
    }

    @Override
    public String describe() {
      return "layer " + name + " (linear)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      NDArray y = ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
      return Tape.watch(tape, this, x, y);
    }
  }

  /** 2-D convolution, weight (out, in, k, k), bias (out). */
  static final class Convolution implements Layer {
    final String name;
    final NDArray weight;
    final NDArray bias;
    final int kernel;
    final int stride;
    final int padding;

    Convolution(String name, NDArray weight, NDArray bias, int kernel, int stride, int padding) {
      this.name = name;
      this.weight = weight;
      this.bias = bias;
      this.kernel = kernel;
      this.stride = stride;
      this.padding = padding;
    }

    @Override
    public String describe() {
      return "layer " + name + " (conv2d)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      NDArray y = Conv2d.conv2d(x, weight, bias, new Shape(stride, stride),
          new Shape(padding, padding), new Shape(1, 1)).singletonOrThrow();
      return Tape.watch(tape, this, x, y);
    }
  }

  /** Per-field embedding tables (vocabulary, dim), outputs concatenated after the dense input. */
  static final class Embedding implements Layer {
    final String name;
    final List<NDArray> tables;

    Embedding(String name, List<NDArray> tables) {
      this.name = name;
      this.tables = List.copyOf(tables);
    }

    @Override
    public String describe() {
      return "layer " + name + " (embedding)";
    }

    @Override
    public List<Parameter> parameters() {
      List<Parameter> ps = new ArrayList<>();
      for (int f = 0; f < tables.size(); f++) {
        ps.add(new Parameter(name + ".tables." + f + ".weight", tables.get(f)));
      }
      return ps;
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      NDList parts = new NDList();
      if (x.getShape().get(1) > 0) {
        parts.add(x);
      }
      for (int f = 0; f < tables.size(); f++) {
        NDArray ids = batch.ids.get(new NDIndex(":, {}", f));
        NDArray rows = tables.get(f).get(new NDIndex("{}", ids));
        parts.add(Tape.watch(tape, this, ids, rows));
      }
      return parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 1);
    }
  }

  /**
   * Layer normalisation over the last axis: x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β (Ba, Kiros &
   * Hinton 2016); biased variance as PyTorch.
   */
  static final class LayerNorm implements Layer {
    static final float EPS = 1e-5f;
    final String name;
    final NDArray gamma;
    final NDArray beta;

    LayerNorm(String name, NDArray gamma, NDArray beta) {
      this.name = name;
      this.gamma = gamma;
      this.beta = beta;
    }

    static NDArray normalized(NDArray x) {
      int last = x.getShape().dimension() - 1;
      NDArray mean = x.mean(new int[] {last}, true);
      NDArray centered = x.sub(mean);
      NDArray var = centered.square().mean(new int[] {last}, true);
      return centered.div(var.add(EPS).sqrt());
    }

    @Override
    public String describe() {
      return "layer " + name + " (layernorm)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of(new Parameter(name + ".weight", gamma), new Parameter(name + ".bias", beta));
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      NDArray y = normalized(x).mul(gamma).add(beta);
      return Tape.watch(tape, this, x, y);
    }
  }

  /** Group normalisation of (N, C, ...) inputs, affine per channel (Wu & He 2018). */
  static final class GroupNorm implements Layer {
    static final float EPS = 1e-5f;
    final String name;
    final int groups;
    final NDArray gamma;
    final NDArray beta;

    GroupNorm(String name, int groups, NDArray gamma, NDArray beta) {
      this.name = name;
      this.groups = groups;
      this.gamma = gamma;
      this.beta = beta;
    }

    NDArray normalized(NDArray x) {
      Shape shape = x.getShape();
      NDArray grouped = x.reshape(shape.get(0), groups, -1);
      return LayerNorm.normalized(grouped).reshape(shape);
    }

    /** (C) to (C, 1, ...) so it broadcasts over an (N, C, ...) input. */
    static NDArray perChannel(NDArray v, Shape input) {
      long[] s = new long[input.dimension() - 1];
      java.util.Arrays.fill(s, 1);
      s[0] = v.getShape().get(0);
      return v.reshape(new Shape(s));
    }

    @Override
    public String describe() {
      return "layer " + name + " (groupnorm)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of(new Parameter(name + ".weight", gamma), new Parameter(name + ".bias", beta));
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      Shape s = x.getShape();
      NDArray y = normalized(x).mul(perChannel(gamma, s)).add(perChannel(beta, s));
      return Tape.watch(tape, this, x, y);
    }
  }

  /** ReLU or tanh. */
  static final class ElementWise implements Layer {
    final String name;
    final LayerSpec.Activation.Kind kind;

    ElementWise(String name, LayerSpec.Activation.Kind kind) {
      this.name = name;
      this.kind = kind;
    }

    @Override
    public String describe() {
      return "layer " + name + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of();
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      return kind == LayerSpec.Activation.Kind.RELU ? Activation.relu(x) : x.tanh();
    }
  }

  /** Max pooling, square window, no padding. */
  static final class MaxPool implements Layer {
    final String name;
    final int kernel;
    final int stride;

    MaxPool(String name, int kernel, int stride) {
      this.name = name;
      this.kernel = kernel;
      this.stride = stride;
    }

    @Override
    public String describe() {
      return "layer " + name + " (maxpool2d)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of();
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      return Pool.maxPool2d(x, new Shape(kernel, kernel), new Shape(stride, stride),
          new Shape(0, 0), false);
    }
  }

  /** Flattens all but the batch axis. */
  static final class Flatten implements Layer {
    final String name;

    Flatten(String name) {
      this.name = name;
    }

    @Override
    public String describe() {
      return "layer " + name + " (flatten)";
    }

    @Override
    public List<Parameter> parameters() {
      return List.of();
    }

    @Override
    public NDArray forward(NDArray x, Batch batch, Tape tape) {
      return x.reshape(x.getShape().get(0), -1);
    }
  }
}
