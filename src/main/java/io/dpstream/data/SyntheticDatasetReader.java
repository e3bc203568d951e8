package io.dpstream.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link SyntheticSource} as a data set: the train split is the first {@code trainSize}
 * events of the train stream, the test split the first {@code testSize} events of the test
 * stream (same task, other events). Examples carry their user ids and event times.
 */
public final class SyntheticDatasetReader implements DatasetReader {
  private final SyntheticSpec spec;

  public SyntheticDatasetReader(SyntheticSpec spec) {
    this.spec = spec;
  }

  @Override
  public DatasetKind kind() {
    return DatasetKind.SYNTHETIC;
  }

  @Override
  public DatasetSplit read(Split split) {
    boolean train = split == Split.TRAIN;
    SyntheticSource source =
        new SyntheticSource(spec, train ? SyntheticSource.TRAIN_STREAM : SyntheticSource.TEST_STREAM);
    int n = train ? spec.trainSize() : spec.testSize();
    List<Example> examples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) examples.add(source.nextExample());
    return new DatasetSplit(DatasetKind.SYNTHETIC, split, spec.shape(), examples);
  }
}
