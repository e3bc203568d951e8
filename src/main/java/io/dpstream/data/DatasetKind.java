package io.dpstream.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The data sets dpstream can read, by the name used on the command line. */
public enum DatasetKind {
  /** MNIST handwritten digits: IDX files, 28×28 pixels, labels 0–9. */
  MNIST("mnist"),
  /** Fashion-MNIST (Zalando): same IDX layout as MNIST, labels 0–9. */
  FASHION_MNIST("fashion-mnist"),
  /** UCI Adult / Census Income: {@code adult.data} and {@code adult.test}, label income >50K. */
  ADULT("adult"),
  /** MovieLens 100K ratings ({@code u.data}): user and item ids, target = rating. */
  MOVIELENS("movielens"),
  /** Any delimited text file described by a {@link CsvSpec}. */
  CSV("csv"),
  /** The built-in seeded source of user events ({@link SyntheticSource}). */
  SYNTHETIC("synthetic");

  private final String cliName;

  DatasetKind(String cliName) {
    this.cliName = cliName;
  }

  /** The name used on the command line, e.g. {@code fashion-mnist}. */
  public String cliName() {
    return cliName;
  }

  /**
   * Parses a command-line name (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values when {@code name} is unknown
   */
  public static DatasetKind fromCliName(String name) {
    for (DatasetKind k : values()) {
      if (k.cliName.equalsIgnoreCase(name.trim())) return k;
    }
    throw new IllegalArgumentException(
        "unknown data set '" + name + "'; expected one of " + cliNames());
  }

  /** The accepted command-line names, comma-separated. */
  public static String cliNames() {
    return Arrays.stream(values()).map(DatasetKind::cliName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return cliName.toLowerCase(Locale.ROOT);
  }
}
