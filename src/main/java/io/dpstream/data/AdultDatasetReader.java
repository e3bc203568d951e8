package io.dpstream.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * UCI Adult / Census Income (Becker &amp; Kohavi 1996): {@code adult.data} is the train split
 * (32,561 rows), {@code adult.test} the test split (16,281 rows, first line {@code |1x3 Cross
 * validator} skipped, labels with a trailing '.'). Label 1 when income is {@code >50K}, else 0.
 *
 * <p><b>Feature layout (105 features)</b>, in this order:
 *
 * <ol>
 *   <li>0–5: the numeric columns age, fnlwgt, education-num, capital-gain, capital-loss,
 *       hours-per-week, each standardised as {@code (x − mean) / std} with the mean and the
 *       population standard deviation of the <em>train</em> split (for both splits, so that no
 *       test statistic leaks into training; a constant column is only centred);
 *   <li>6–104: one-hot groups for workclass (8), education (16), marital-status (7), occupation
 *       (14), relationship (6), race (5), sex (2), native-country (41), each in the category order
 *       of {@code adult.names}. A missing value ('?') leaves its group all zero.
 * </ol>
 *
 * <p>Rows with missing values are kept. No user ids or times in the data.
 */
public final class AdultDatasetReader implements DatasetReader {

  /** The numeric columns, in feature order. */
  public static final List<String> NUMERIC_COLUMNS =
      List.of("age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week");

  /** Column positions in the file of {@link #NUMERIC_COLUMNS}. */
  private static final int[] NUMERIC_POSITIONS = {0, 2, 4, 10, 11, 12};

  /** A categorical column: its name, position in the file, and categories from adult.names. */
  record Categorical(String name, int position, List<String> categories) {}

  static final List<Categorical> CATEGORICALS =
      List.of(
          new Categorical("workclass", 1, List.of(
              "Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov", "Local-gov",
              "State-gov", "Without-pay", "Never-worked")),
          new Categorical("education", 3, List.of(
              "Bachelors", "Some-college", "11th", "HS-grad", "Prof-school", "Assoc-acdm",
              "Assoc-voc", "9th", "7th-8th", "12th", "Masters", "1st-4th", "10th", "Doctorate",
              "5th-6th", "Preschool")),
          new Categorical("marital-status", 5, List.of(
              "Married-civ-spouse", "Divorced", "Never-married", "Separated", "Widowed",
              "Married-spouse-absent", "Married-AF-spouse")),
          new Categorical("occupation", 6, List.of(
              "Tech-support", "Craft-repair", "Other-service", "Sales", "Exec-managerial",
              "Prof-specialty", "Handlers-cleaners", "Machine-op-inspct", "Adm-clerical",
              "Farming-fishing", "Transport-moving", "Priv-house-serv", "Protective-serv",
              "Armed-Forces")),
          new Categorical("relationship", 7, List.of(
              "Wife", "Own-child", "Husband", "Not-in-family", "Other-relative", "Unmarried")),
          new Categorical("race", 8, List.of(
              "White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black")),
          new Categorical("sex", 9, List.of("Female", "Male")),
          new Categorical("native-country", 13, List.of(
              "United-States", "Cambodia", "England", "Puerto-Rico", "Canada", "Germany",
              "Outlying-US(Guam-USVI-etc)", "India", "Japan", "Greece", "South", "China", "Cuba",
              "Iran", "Honduras", "Philippines", "Italy", "Poland", "Jamaica", "Vietnam",
              "Mexico", "Portugal", "Ireland", "France", "Dominican-Republic", "Laos", "Ecuador",
              "Taiwan", "Haiti", "Columbia", "Hungary", "Guatemala", "Nicaragua", "Scotland",
              "Thailand", "Yugoslavia", "El-Salvador", "Trinadad&Tobago", "Peru", "Hong",
              "Holand-Netherlands")));

  /** Number of features: 6 numeric + 99 one-hot. */
  public static final int FEATURES =
      NUMERIC_COLUMNS.size() + CATEGORICALS.stream().mapToInt(c -> c.categories().size()).sum();

  private static final int COLUMNS = 15;
  private static final int INCOME = 14;

  /**
   * The train split's mean and population standard deviation of each numeric column, in the
   * order of {@link #NUMERIC_COLUMNS}.
   */
  public record Standardisation(double[] mean, double[] std) {
    public Standardisation {
      mean = mean.clone();
      std = std.clone();
    }

    @Override
    public double[] mean() {
      return mean.clone();
    }

    @Override
    public double[] std() {
      return std.clone();
    }

    /** {@code (x − mean[i]) / std[i]}. */
    public double apply(int i, double x) {
      return (x - mean[i]) / std[i];
    }
  }

  private final Path data;
  private Standardisation standardisation;

  /** @param data the directory of {@code adult.data} and {@code adult.test}, or its parent */
  public AdultDatasetReader(Path data) {
    this.data = data;
  }

  @Override
  public DatasetKind kind() {
    return DatasetKind.ADULT;
  }

  @Override
  public DatasetSplit read(Split split) throws IOException {
    Standardisation s = standardisation();
    Path file = fileOf(split);
    List<String[]> rows = readRows(file);
    List<Example> examples = new ArrayList<>(rows.size());
    for (int r = 0; r < rows.size(); r++) {
      examples.add(toExample(rows.get(r), s, file, r));
    }
    return new DatasetSplit(
        DatasetKind.ADULT, split, DatasetShape.classification(FEATURES, 2), examples);
  }

  /**
   * The standardisation statistics, computed once from the train split ({@code adult.data}).
   *
   * @throws MalformedDatasetException if {@code adult.data} is missing or malformed
   */
  public synchronized Standardisation standardisation() throws IOException {
    if (standardisation == null) {
      Path file = fileOf(Split.TRAIN);
      List<String[]> rows = readRows(file);
      int n = NUMERIC_POSITIONS.length;
      double[] mean = new double[n];
      double[] m2 = new double[n];
      // Welford's online algorithm: numerically stable for fnlwgt's large values.
      for (int r = 0; r < rows.size(); r++) {
        for (int i = 0; i < n; i++) {
          double x = numeric(rows.get(r), i, file, r);
          double d = x - mean[i];
          mean[i] += d / (r + 1);
          m2[i] += d * (x - mean[i]);
        }
      }
      double[] std = new double[n];
      for (int i = 0; i < n; i++) {
        std[i] = Math.sqrt(m2[i] / rows.size());
        // A constant column (only in a cut-down file) is centred but not scaled.
        if (!(std[i] > 0)) std[i] = 1;
      }
      standardisation = new Standardisation(mean, std);
    }
    return standardisation;
  }

  private Path fileOf(Split split) {
    String name = split == Split.TRAIN ? "adult.data" : "adult.test";
    return DataLocation.find(data, "adult", List.of(name));
  }

  private static Example toExample(String[] row, Standardisation s, Path file, int r) {
    float[] f = new float[FEATURES];
    for (int i = 0; i < NUMERIC_POSITIONS.length; i++) {
      f[i] = (float) s.apply(i, numeric(row, i, file, r));
    }
    int offset = NUMERIC_POSITIONS.length;
    for (Categorical c : CATEGORICALS) {
      String v = row[c.position()];
      if (!v.equals("?")) {
        int k = c.categories().indexOf(v);
        if (k < 0) {
          throw new MalformedDatasetException(
              file, "row " + (r + 1) + ": unknown " + c.name() + " '" + v + "'");
        }
        f[offset + k] = 1f;
      }
      offset += c.categories().size();
    }
    String income = row[INCOME];
    if (income.endsWith(".")) income = income.substring(0, income.length() - 1);
    int label =
        switch (income) {
          case ">50K" -> 1;
          case "<=50K" -> 0;
          default -> throw new MalformedDatasetException(
              file, "row " + (r + 1) + ": income '" + row[INCOME] + "' is neither >50K nor <=50K");
        };
    return Example.classified(f, label);
  }

  private static double numeric(String[] row, int i, Path file, int r) {
    String v = row[NUMERIC_POSITIONS[i]];
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new MalformedDatasetException(
          file, "row " + (r + 1) + ": " + NUMERIC_COLUMNS.get(i) + " '" + v + "' is not a number");
    }
  }

  /**
   * The data rows of an Adult file: fields split on ',' and trimmed; blank lines and the test
   * file's {@code |1x3 Cross validator} line skipped.
   */
  private static List<String[]> readRows(Path file) throws IOException {
    List<String[]> rows = new ArrayList<>(33_000);
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank() || line.startsWith("|")) continue;
        String[] fields = line.split(",", -1);
        if (fields.length != COLUMNS) {
          throw new MalformedDatasetException(
              file, "line " + lineNo + " has " + fields.length + " fields, expected " + COLUMNS);
        }
        for (int i = 0; i < fields.length; i++) fields[i] = fields[i].trim();
        rows.add(fields);
      }
    }
    if (rows.isEmpty()) throw new MalformedDatasetException(file, "no data rows");
    return rows;
  }
}
