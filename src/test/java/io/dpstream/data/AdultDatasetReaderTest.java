package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UCI Adult against the real files. Row and label counts are those of the data set's
 * documentation (32,561 / 16,281 rows; 7,841 and 3,846 incomes >50K); the train means and
 * standard deviations were computed independently with Python from {@code adult.data} (the age
 * mean 38.5816 is the figure every pandas {@code describe()} of this file shows).
 */
class AdultDatasetReaderTest {

  private static AdultDatasetReader reader;
  private static DatasetSplit train;
  private static DatasetSplit test;

  @BeforeAll
  static void readBothSplits() throws IOException {
    reader = new AdultDatasetReader(SharedData.dir("adult"));
    train = reader.read(Split.TRAIN);
    test = reader.read(Split.TEST);
  }

  @Test
  void countsLabelsAndShape() {
    assertEquals(105, AdultDatasetReader.FEATURES);
    assertEquals(DatasetShape.classification(105, 2), train.shape());
    assertEquals(32_561, train.size());
    assertEquals(16_281, test.size());
    assertEquals(7_841, train.examples().stream().filter(e -> e.label() == 1).count());
    // The test file's labels carry a trailing '.', and its first line is not data.
    assertEquals(3_846, test.examples().stream().filter(e -> e.label() == 1).count());
  }

  @Test
  void standardisationStatisticsComeFromTheTrainSplit() throws IOException {
    AdultDatasetReader.Standardisation s = reader.standardisation();
    assertArrayEquals(
        new double[] {38.58164675532078, 189778.36651208502, 10.0806793403151,
            1077.6488437087312, 87.303829734959, 40.437455852092995},
        s.mean(), 1e-6);
    assertArrayEquals(
        new double[] {13.640223092304081, 105548.3568808909, 2.5726808256012395,
            7385.178676946586, 402.9540308275458, 12.347239075706955},
        s.std(), 1e-6);
    // Standardised train columns have mean 0 and variance 1; test columns need not.
    for (int i = 0; i < 6; i++) {
      double[] m = meanAndVariance(train, i);
      assertEquals(0, m[0], 1e-5);
      assertEquals(1, m[1], 1e-4);
    }
    assertTrue(Math.abs(meanAndVariance(test, 0)[0]) > 1e-3, "test is not re-standardised");
  }

  @Test
  void firstRowsAreEncodedAsDocumented() {
    Example t0 = test.examples().get(0); // 25, Private, ..., <=50K.
    assertEquals(0, t0.label());
    assertEquals(-0.9957056173797958, t0.features()[0], 1e-6);
    assertEquals(0.35077413407482383, t0.features()[1], 1e-6);

    Example r0 = train.examples().get(0);
    // 39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White,
    // Male, 2174, 0, 40, United-States, <=50K
    assertEquals(0, r0.label());
    assertEquals(0.030670557354392187, r0.features()[0], 1e-6);
    int workclass = 6;
    int education = workclass + 8;
    int marital = education + 16;
    int occupation = marital + 7;
    int relationship = occupation + 14;
    int race = relationship + 6;
    int sex = race + 5;
    int country = sex + 2;
    assertEquals(105, country + 41);
    float[] f = r0.features();
    assertEquals(1f, f[workclass + 5]); // State-gov
    assertEquals(1f, f[education]); // Bachelors
    assertEquals(1f, f[marital + 2]); // Never-married
    assertEquals(1f, f[occupation + 8]); // Adm-clerical
    assertEquals(1f, f[relationship + 3]); // Not-in-family
    assertEquals(1f, f[race]); // White
    assertEquals(1f, f[sex + 1]); // Male
    assertEquals(1f, f[country]); // United-States
    float oneHotSum = 0;
    for (int i = 6; i < 105; i++) oneHotSum += f[i];
    assertEquals(8f, oneHotSum);
  }

  @Test
  void missingValuesLeaveTheirGroupEmpty() {
    // adult.data has 1,836 rows with workclass '?', 1,843 with occupation '?', 583 with
    // native-country '?'.
    assertEquals(1_836, emptyGroups(train, 6, 8));
    assertEquals(1_843, emptyGroups(train, 6 + 8 + 16 + 7, 14));
    assertEquals(583, emptyGroups(train, 105 - 41, 41));
    assertEquals(0, emptyGroups(train, 6 + 8, 16));
  }

  @Test
  void malformedRowsAreReportedWithFileAndRow(@TempDir Path dir) throws IOException {
    String good =
        "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White,"
            + " Male, 2174, 0, 40, United-States, <=50K\n";
    Files.writeString(dir.resolve("adult.data"), good + good.replace("39, State-gov", "50, Astronaut"));
    var unknown = assertThrows(
        MalformedDatasetException.class, () -> new AdultDatasetReader(dir).read(Split.TRAIN));
    assertTrue(unknown.getMessage().contains("adult.data"), unknown.getMessage());
    assertTrue(unknown.getMessage().contains("unknown workclass 'Astronaut'"), unknown.getMessage());

    Files.writeString(dir.resolve("adult.data"), good + "1, 2, 3\n");
    var fields = assertThrows(
        MalformedDatasetException.class, () -> new AdultDatasetReader(dir).read(Split.TRAIN));
    assertTrue(fields.getMessage().contains("line 2 has 3 fields, expected 15"), fields.getMessage());
  }

  private static double[] meanAndVariance(DatasetSplit split, int feature) {
    double sum = 0;
    double sumSq = 0;
    for (Example e : split.examples()) {
      sum += e.features()[feature];
      sumSq += (double) e.features()[feature] * e.features()[feature];
    }
    double mean = sum / split.size();
    return new double[] {mean, sumSq / split.size() - mean * mean};
  }

  private static long emptyGroups(DatasetSplit split, int from, int width) {
    return split.examples().stream()
        .filter(
            e -> {
              for (int i = from; i < from + width; i++) if (e.features()[i] != 0f) return false;
              return true;
            })
        .count();
  }
}
