package io.dpstream.dp;

import java.util.List;

/**
 * One layer of a {@link ModelSpec}: a plain description, validated when constructed, turned into
 * DJL arrays by {@link DpModel}. Layer order in the spec is the forward order; a layer's index in
 * the spec is its name in saved tensors (PyTorch {@code nn.Sequential} naming, so {@code 0.weight}
 * is the first layer's weight).
 */
public sealed interface LayerSpec {

  /** The layer's type as written in the JSON form ({@code "linear"}, {@code "conv2d"}, ...). */
  String type();

  /** Fully connected layer {@code y = x·Wᵀ + b}, W of shape (out, in). */
  record Linear(int in, int out) implements LayerSpec {
    public Linear {
      positive("linear.in", in);
      positive("linear.out", out);
    }

    @Override
    public String type() {
      return "linear";
    }
  }

  /** Element-wise activation. */
  record Activation(Kind kind) implements LayerSpec {
    /** Supported activations. */
    public enum Kind {
      RELU,
      TANH
    }

    public Activation {
      if (kind == null) {
        throw new IllegalArgumentException("activation.kind must be relu or tanh");
      }
    }

    @Override
    public String type() {
      return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** 2-D convolution over (channels, height, width) inputs; square kernel, stride and padding. */
  record Conv2d(int in, int out, int kernel, int stride, int padding) implements LayerSpec {
    public Conv2d {
      positive("conv2d.in", in);
      positive("conv2d.out", out);
      positive("conv2d.kernel", kernel);
      positive("conv2d.stride", stride);
      if (padding < 0) {
        throw new IllegalArgumentException("conv2d.padding must be >= 0, got " + padding);
      }
    }

    @Override
    public String type() {
      return "conv2d";
    }
  }

  /** 2-D max pooling, square window, no padding. */
  record MaxPool2d(int kernel, int stride) implements LayerSpec {
    public MaxPool2d {
      positive("maxpool2d.kernel", kernel);
      positive("maxpool2d.stride", stride);
    }

    @Override
    public String type() {
      return "maxpool2d";
    }
  }

  /** Flattens everything but the batch axis. */
  record Flatten() implements LayerSpec {
    @Override
    public String type() {
      return "flatten";
    }
  }

  /** Layer normalisation over the last axis of size {@code dim}, with affine γ, β (Ba et al. 2016). */
  record LayerNorm(int dim) implements LayerSpec {
    public LayerNorm {
      positive("layernorm.dim", dim);
    }

    @Override
    public String type() {
      return "layernorm";
    }
  }

  /** Group normalisation of (C, ...) inputs in {@code groups} groups, affine per channel (Wu & He 2018). */
  record GroupNorm(int groups, int channels) implements LayerSpec {
    public GroupNorm {
      positive("groupnorm.groups", groups);
      positive("groupnorm.channels", channels);
      if (channels % groups != 0) {
        throw new IllegalArgumentException(
            "groupnorm.channels (" + channels + ") must be a multiple of groupnorm.groups (" + groups + ")");
      }
    }

    @Override
    public String type() {
      return "groupnorm";
    }
  }

  /**
   * Per-field embeddings of categorical ids, concatenated (in field order) after the example's
   * {@code dense} float features. Must be the first layer. Output width: dense + Σ field dims.
   */
  record Embedding(List<Field> fields, int dense) implements LayerSpec {
    /** One categorical field: ids in [0, vocabulary), embedded in {@code dim} floats. */
    public record Field(int vocabulary, int dim) {
      public Field {
        positive("embedding.field.vocabulary", vocabulary);
        positive("embedding.field.dim", dim);
      }
    }

    public Embedding {
      if (fields == null || fields.isEmpty()) {
        throw new IllegalArgumentException("embedding.fields must name at least one field");
      }
      fields = List.copyOf(fields);
      if (dense < 0) {
        throw new IllegalArgumentException("embedding.dense must be >= 0, got " + dense);
      }
    }

    /** Width of the layer's output. */
    public int outputWidth() {
      return dense + fields.stream().mapToInt(Field::dim).sum();
    }

    @Override
    public String type() {
      return "embedding";
    }
  }

  /**
   * Batch normalisation: parsed so that it can be refused by name when a model is built. It mixes
   * the examples of a batch, so one user's gradient depends on other users' data and per-user
   * clipping no longer bounds a user's influence.
   */
  record BatchNorm(int channels) implements LayerSpec {
    @Override
    public String type() {
      return "batchnorm";
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }
}
