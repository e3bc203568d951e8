package io.dpstream.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads the splits of one data set into {@link Example}s. The front door is {@link #open}; the
 * generic CSV reader takes a {@link CsvSpec} and is built directly ({@link CsvDatasetReader}).
 *
 * <p>Readers are deterministic: the same files give the same examples in the same order.
 */
public interface DatasetReader {

  /** Which data set this reads. */
  DatasetKind kind();

  /**
   * Reads one split.
   *
   * @throws MalformedDatasetException if a file is missing or malformed (the message names it)
   * @throws IllegalArgumentException if the data set has no such split
   * @throws IOException if a file cannot be read
   */
  DatasetSplit read(Split split) throws IOException;

  /**
   * A reader for a data set with fixed file names, with default options: MNIST and Fashion-MNIST
   * pixels in [0, 1], the synthetic source with {@link SyntheticSpec#defaults()}.
   *
   * @param data the data set's directory, a parent directory holding its usual subdirectory
   *     ({@code mnist}, {@code fashion-mnist}, {@code adult}, {@code ml-100k}), or (MovieLens) the
   *     {@code u.data} file; ignored for the synthetic source
   * @throws IllegalArgumentException for {@link DatasetKind#CSV}, which needs a {@link CsvSpec}
   */
  static DatasetReader open(DatasetKind kind, Path data) {
    return switch (kind) {
      case MNIST, FASHION_MNIST -> new IdxDatasetReader(kind, data, IdxDatasetReader.Scaling.UNIT);
      case ADULT -> new AdultDatasetReader(data);
      case MOVIELENS -> new MovieLensDatasetReader(data);
      case SYNTHETIC -> new SyntheticDatasetReader(SyntheticSpec.defaults());
      case CSV -> throw new IllegalArgumentException(
          "a CSV data set needs a column spec: use new CsvDatasetReader(file, spec)");
    };
  }
}
