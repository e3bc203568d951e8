package io.dpstream.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the dp engine's predictor, for tests of the serving path. Specs: {@code
 * fake:sum:W} (regression: sum of the W features plus the categorical ids) and {@code
 * fake:softmax:W} (classification: softmax of the W features). A first feature of 666 makes the
 * model fail as a broken engine would. Registered for tests through
 * {@code META-INF/services}; it supports only {@code fake:} specs.
 */
public final class FakeSnapshotPredictor implements SnapshotPredictor {
  /** Runners built and not yet closed, across instances. */
  static final AtomicInteger OPEN = new AtomicInteger();

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public boolean supports(String modelSpec) {
    return modelSpec.startsWith("fake:");
  }

  @Override
  public ModelRunner load(ModelSnapshot snapshot) {
    String[] parts = snapshot.modelSpec().split(":");
    if (parts.length != 3 || !(parts[1].equals("sum") || parts[1].equals("softmax"))) {
      throw new IllegalArgumentException("unsupported fake spec " + snapshot.modelSpec());
    }
    boolean softmax = parts[1].equals("softmax");
    int width = Integer.parseInt(parts[2]);
    OPEN.incrementAndGet();
    return new ModelRunner() {
      private boolean closed;

      @Override
      public List<Prediction> predict(List<float[]> features, List<int[]> categoricalIds) {
        if (closed) throw new IllegalStateException("predict after close");
        List<Prediction> out = new ArrayList<>();
        for (int r = 0; r < features.size(); r++) {
          float[] f = features.get(r);
          if (f.length > 0 && f[0] == 666) throw new IllegalStateException("the model broke");
          if (f.length != width) {
            throw new IllegalArgumentException(
                "row " + r + " has " + f.length + " features, the model takes " + width);
          }
          if (softmax) {
            float max = Float.NEGATIVE_INFINITY;
            for (float v : f) max = Math.max(max, v);
            float[] p = new float[width];
            float sum = 0;
            for (int i = 0; i < width; i++) sum += p[i] = (float) Math.exp(f[i] - max);
            for (int i = 0; i < width; i++) p[i] /= sum;
            out.add(Prediction.classification(p));
          } else {
            double s = 0;
            for (float v : f) s += v;
            for (int id : categoricalIds.get(r)) s += id;
            out.add(Prediction.regression(s));
          }
        }
        return out;
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          OPEN.decrementAndGet();
        }
      }
    };
  }
}
