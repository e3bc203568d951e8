package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;

/**
 * Inference with published parameters: class probabilities (softmax of the logits) for
 * classification, the predicted value for regression. Used by {@code serve}/{@code predict} and to
 * evaluate models on test sets. {@link #predict} may be called from several threads at once.
 */
public final class Predictor implements AutoCloseable {
  private final NDManager manager;
  private final DpModel model;

  private Predictor(ModelSpec spec, Map<String, SafetensorsFormat.Tensor> tensors, DeviceChoice device) {
    this.manager = NDManager.newBaseManager(device.resolve());
    try {
      this.model = DpModel.build(spec, manager, 0);
      for (Parameter p : model.parameters) {
        SafetensorsFormat.Tensor t = tensors.get(p.name());
        if (t == null || !p.array().getShape().equals(new Shape(t.shape()))) {
          throw new IllegalArgumentException("parameters lack tensor " + p.name() + " of shape "
              + p.array().getShape() + " for model " + spec.toJson());
        }
        p.array().set(t.data());
      }
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Loads a safetensors file written by {@link DpTrainer#saveParameters()} or {@link
   * DpTrainer#saveState()}; the model spec comes from its metadata.
   *
   * @throws IllegalArgumentException when the bytes are not such a file
   */
  public static Predictor load(byte[] safetensors, DeviceChoice device) {
    SafetensorsFormat.Contents c = SafetensorsFormat.read(safetensors);
    String spec = c.metadata().get("model_spec");
    if (spec == null) {
      throw new IllegalArgumentException("safetensors metadata has no model_spec; pass the spec");
    }
    return new Predictor(ModelSpec.parse(spec), c.tensors(), device);
  }

  /** Loads parameters (safetensors, PyTorch nn.Sequential names) for an explicit spec. */
  public static Predictor load(ModelSpec spec, byte[] safetensors, DeviceChoice device) {
    return new Predictor(spec, SafetensorsFormat.read(safetensors).tensors(), device);
  }

  /** The model's spec. */
  public ModelSpec spec() {
    return model.spec;
  }

  /**
   * Predicts a batch; labels and targets of the examples are ignored.
   *
   * @return one row per example: class probabilities (summing to 1) or a single regression value
   * @throws IllegalArgumentException when an example does not fit the model
   */
  public float[][] predict(List<Example> examples) {
    ThreadGradMode.offOutsideCollectors();
    if (examples.isEmpty()) {
      return new float[0][];
    }
    List<Example> unlabelled = examples.stream()
        .map(e -> new Example(e.features(), e.categoricalIds(),
            model.spec.task() == ModelSpec.Task.CLASSIFICATION ? 0 : null,
            model.spec.task() == ModelSpec.Task.REGRESSION ? 0.0 : null, 1f))
        .toList();
    try (NDManager m = manager.newSubManager()) {
      // a staging area per call: calls may run concurrently
      Batch batch = Batch.encode(model.spec, unlabelled, null, m, new StagingBuffers());
      NDArray out = model.forward(batch, null);
      if (model.spec.task() == ModelSpec.Task.CLASSIFICATION) {
        out = out.softmax(1);
      }
      int width = (int) out.getShape().get(1);
      float[] flat = out.toFloatArray();
      float[][] rows = new float[examples.size()][width];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(flat, i * width, rows[i], 0, width);
      }
      return rows;
    }
  }

  /** Accuracy of the most probable class against the examples' labels (classification only). */
  public double accuracy(List<Example> labelled) {
    float[][] p = predict(labelled);
    int correct = 0;
    for (int i = 0; i < p.length; i++) {
      int best = 0;
      for (int k = 1; k < p[i].length; k++) {
        if (p[i][k] > p[i][best]) {
          best = k;
        }
      }
      if (labelled.get(i).label() != null && best == labelled.get(i).label()) {
        correct++;
      }
    }
    return p.length == 0 ? Double.NaN : correct / (double) p.length;
  }

  @Override
  public void close() {
    manager.close();
  }
}
