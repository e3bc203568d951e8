package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * One step's examples as arrays, users' records contiguous in the order given. Arrays belong to
 * the step's manager.
 */
final class Batch {
  final int size;
  /** (N, input...) float32. */
  final NDArray features;
  /** (N, fields) int64, or null without categorical fields. */
  final NDArray ids;
  /** Class labels (N) int64 for classification, else null. */
  final NDArray labels;
  /** Targets (N) float32 for regression, else null. */
  final NDArray targets;

  private Batch(int size, NDArray features, NDArray ids, NDArray labels, NDArray targets) {
    this.size = size;
    this.features = features;
    this.ids = ids;
    this.labels = labels;
    this.targets = targets;
  }

  /**
   * Encodes examples; {@code users} gives the user of each example only for error messages. The
   * arrays alias {@code staging}'s buffers: valid until the same staging encodes again.
   *
   * @throws IllegalArgumentException naming the user and record that does not fit the spec
   */
  static Batch encode(ModelSpec spec, List<Example> examples, List<String> users, NDManager m,
      StagingBuffers staging) {
    int n = examples.size();
    int d = spec.featureCount();
    int f = spec.categoricalFieldCount();
    int classes = spec.task() == ModelSpec.Task.CLASSIFICATION ? outputWidth(spec) : 1;
    float[] x = new float[n * d];
    long[] ids = new long[n * f];
    long[] labels = new long[n];
    float[] targets = new float[n];
    List<LayerSpec.Embedding.Field> fields = fields(spec);
    for (int i = 0; i < n; i++) {
      Example e = examples.get(i);
      String where = users == null ? "example " + i : "user " + users.get(i) + ", record " + i;
      if (e.features().length != d) {
        throw new IllegalArgumentException(
            where + ": " + e.features().length + " features, the model takes " + d);
      }
      System.arraycopy(e.features(), 0, x, i * d, d);
      if (e.categoricalIds().length != f) {
        throw new IllegalArgumentException(
            where + ": " + e.categoricalIds().length + " categorical ids, the model takes " + f);
      }
      for (int j = 0; j < f; j++) {
        int id = e.categoricalIds()[j];
        if (id < 0 || id >= fields.get(j).vocabulary()) {
          throw new IllegalArgumentException(where + ": categorical id " + id + " of field " + j
              + " is outside [0, " + fields.get(j).vocabulary() + ")");
        }
        ids[i * f + j] = id;
      }
      if (spec.task() == ModelSpec.Task.CLASSIFICATION) {
        if (e.label() == null || e.label() < 0 || e.label() >= classes) {
          throw new IllegalArgumentException(
              where + ": label " + e.label() + " is not a class in [0, " + classes + ")");
        }
        labels[i] = e.label();
      } else {
        if (e.target() == null || !Double.isFinite(e.target())) {
          throw new IllegalArgumentException(where + ": regression needs a finite target");
        }
        targets[i] = e.target().floatValue();
      }
    }
    long[] shape = new long[spec.input().size() + 1];
    shape[0] = n;
    for (int i = 0; i < spec.input().size(); i++) {
      shape[i + 1] = spec.input().get(i);
    }
    NDArray features = d == 0
        ? m.zeros(new Shape(shape))
        : staging.floats(m, "features", x, new Shape(shape));
    NDArray idArray = f == 0 ? null : staging.longs(m, "ids", ids, new Shape(n, f));
    NDArray labelArray = spec.task() == ModelSpec.Task.CLASSIFICATION
        ? staging.longs(m, "labels", labels, new Shape(n))
        : null;
    NDArray targetArray = spec.task() == ModelSpec.Task.REGRESSION
        ? staging.floats(m, "targets", targets, new Shape(n))
        : null;
    return new Batch(n, features, idArray, labelArray, targetArray);
  }

  static int outputWidth(ModelSpec spec) {
    for (int i = spec.layers().size() - 1; i >= 0; i--) {
      if (spec.layers().get(i) instanceof LayerSpec.Linear l) {
        return l.out();
      }
    }
    throw new IllegalArgumentException("model has no linear output layer");
  }

  private static List<LayerSpec.Embedding.Field> fields(ModelSpec spec) {
    return spec.layers().stream()
        .filter(l -> l instanceof LayerSpec.Embedding)
        .flatMap(l -> ((LayerSpec.Embedding) l).fields().stream())
        .toList();
  }

  /** Per-example loss (N): softmax cross-entropy or squared error. */
  static NDArray perExampleLoss(ModelSpec.Task task, NDArray output, Batch batch) {
    if (task == ModelSpec.Task.CLASSIFICATION) {
      NDArray logp = output.logSoftmax(1);
      NDArray picked = logp.mul(batch.labels.oneHot((int) output.getShape().get(1), DataType.FLOAT32));
      return picked.sum(new int[] {1}).neg();
    }
    NDArray diff = output.reshape(batch.size).sub(batch.targets);
    return diff.mul(diff);
  }
}
