package io.dpstream.snapshot;

import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.Example;
import io.dpstream.dp.ModelSpec;
import io.dpstream.dp.Predictor;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves snapshots with the dp engine's {@link Predictor} (DJL, CPU by default): every model spec
 * the engine can build. Registered for {@link java.util.ServiceLoader} in {@code
 * META-INF/services}.
 */
public final class DjlSnapshotPredictor implements SnapshotPredictor {

  @Override
  public String name() {
    return "djl";
  }

  @Override
  public boolean supports(String modelSpec) {
    try {
      ModelSpec.parse(modelSpec);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public ModelRunner load(ModelSnapshot snapshot) {
    ModelSpec spec = ModelSpec.parse(snapshot.modelSpec());
    Predictor predictor = Predictor.load(spec, snapshot.parameterBytes(), DeviceChoice.AUTO);
    return new Runner(spec, predictor);
  }

  /** One loaded model; the engine's predictor serves one call at a time. */
  private static final class Runner implements ModelRunner {
    private final ModelSpec spec;
    private final Predictor predictor;

    Runner(ModelSpec spec, Predictor predictor) {
      this.spec = spec;
      this.predictor = predictor;
    }

    @Override
    public List<Prediction> predict(List<float[]> features, List<int[]> categoricalIds) {
      List<Example> rows = new ArrayList<>(features.size());
      for (int i = 0; i < features.size(); i++) {
        rows.add(new Example(features.get(i), categoricalIds.get(i), null, null, 1f));
      }
      float[][] out;
      synchronized (this) {
        out = predictor.predict(rows);
      }
      List<Prediction> predictions = new ArrayList<>(out.length);
      for (float[] row : out) {
        predictions.add(
            spec.task() == ModelSpec.Task.REGRESSION
                ? Prediction.regression(row[0])
                : Prediction.classification(row));
      }
      return predictions;
    }

    @Override
    public synchronized void close() {
      predictor.close();
    }
  }
}
