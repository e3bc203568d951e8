package io.dpstream.stream;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserContribution;
import io.dpstream.dp.Example;
import io.dpstream.dp.UserExamples;
import java.util.ArrayList;
import java.util.List;

/** Converts the gate's Avro records into the dp engine's plain types. */
public final class TrainingExamples {
  private TrainingExamples() {}

  /** One dp example from one validated training record. */
  public static Example example(TrainingRecord r) {
    List<Float> f = r.getFeatures();
    float[] features = new float[f.size()];
    for (int i = 0; i < features.length; i++) features[i] = f.get(i);
    List<Integer> ids = r.getCategoricalIds();
    int[] categorical = new int[ids.size()];
    for (int i = 0; i < categorical.length; i++) categorical[i] = ids.get(i);
    float weight = r.getWeight() == null ? 1f : r.getWeight();
    return new Example(features, categorical, r.getLabel(), r.getTarget(), weight);
  }

  /** The sampled user's records, at most {@code maxRecords} of them (the gate already bounds m). */
  public static UserExamples user(UserContribution c, int maxRecords) {
    List<TrainingRecord> records = c.getRecords();
    int n = Math.min(records.size(), maxRecords);
    List<Example> examples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) examples.add(example(records.get(i)));
    return new UserExamples(c.getUserId(), examples);
  }
}
