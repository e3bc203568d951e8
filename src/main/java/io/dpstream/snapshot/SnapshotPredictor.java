package io.dpstream.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Turns a snapshot into a {@link ModelRunner}: the seam between the snapshot layer and the
 * inference engine (the dp engine provides an implementation). Implementations are found with
 * {@link ServiceLoader}: list the class in {@code
 * META-INF/services/io.dpstream.snapshot.SnapshotPredictor}, or pass an instance directly to
 * {@link SnapshotServer}.
 */
public interface SnapshotPredictor {

  /** A short name for messages, e.g. {@code djl}. */
  String name();

  /** Whether this predictor can build a model of {@code modelSpec}. */
  boolean supports(String modelSpec);

  /**
   * Builds the model of {@code snapshot} from its spec and parameters.
   *
   * @throws IllegalArgumentException if the spec or the parameters cannot be loaded
   */
  ModelRunner load(ModelSnapshot snapshot);

  /**
   * The first predictor on the class path that supports {@code modelSpec}.
   *
   * @throws IllegalStateException naming the spec and the predictors found, if none supports it
   */
  static SnapshotPredictor forSpec(String modelSpec) {
    List<String> found = new ArrayList<>();
    for (SnapshotPredictor p : ServiceLoader.load(SnapshotPredictor.class)) {
      if (p.supports(modelSpec)) return p;
      found.add(p.name());
    }
    throw new IllegalStateException(
        "no SnapshotPredictor on the class path supports model spec '" + modelSpec + "' (found: "
            + (found.isEmpty() ? "none" : String.join(", ", found)) + ")");
  }
}
