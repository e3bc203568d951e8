package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Column specs and the generic CSV reader. */
class CsvDatasetReaderTest {

  private static CsvSpec spec(boolean header, String features, String label, String target) {
    return new CsvSpec(',', header, CsvSpec.columnList(features), label, target, null, null);
  }

  @Test
  void referencesResolveByIndexRangeNameAndStar() {
    List<String> names = List.of("user", "t", "a", "b", "c", "y");
    CsvSpec s = new CsvSpec(',', true, List.of("b", "2", "*"), "y", null, "user", "t");
    CsvSpec.Resolved r = s.resolve(names, 6);
    assertArrayEquals(new int[] {3, 2, 4}, r.features());
    assertEquals(5, r.label());
    assertEquals(-1, r.target());
    assertEquals(0, r.user());
    assertEquals(1, r.time());

    CsvSpec mnistStyle = new CsvSpec(',', false, CsvSpec.columnList("1-784"), "0", null, null, null);
    CsvSpec.Resolved m = mnistStyle.resolve(null, 785);
    assertEquals(784, m.features().length);
    assertEquals(1, m.features()[0]);
    assertEquals(784, m.features()[783]);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a,zz|y|no column named 'zz'",
        "0-9|y|column 9 (in '0-9') is beyond the file's 3 columns",
        "y|y|also the label",
        "a,a|y|names column 0 twice",
        "2-1|y|is empty",
      })
  void badReferencesAreNamed(String features, String label, String message) {
    CsvSpec s = new CsvSpec(',', true, CsvSpec.columnList(features), label, null, null, null);
    var e = assertThrows(IllegalArgumentException.class, () -> s.resolve(List.of("a", "b", "y"), 3));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void specsThemselvesAreValidatedOnce() {
    assertThrows(IllegalArgumentException.class, () -> spec(false, "0", null, null));
    assertThrows(IllegalArgumentException.class, () -> spec(false, "0", "1", "2"));
    var byName = assertThrows(
        IllegalArgumentException.class, () -> spec(false, "age", "1", null).resolve(null, 3));
    assertTrue(byName.getMessage().contains("no header"), byName.getMessage());
    assertEquals('\t', CsvSpec.delimiterOf("\\t"));
    assertEquals(';', CsvSpec.delimiterOf(";"));
    assertThrows(IllegalArgumentException.class, () -> CsvSpec.delimiterOf("::"));
  }

  @Test
  void aFileWithHeaderUsersAndTimesIsRead(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("events.csv");
    Files.writeString(
        f,
        "user;time;x1;x2;y\n"
            + "alice;1700000000000;0.5;-1;2\n"
            + "\n"
            + "\"bob\";2024-01-31T12:00:00Z;1e-3; 4 ;0\n");
    CsvSpec s = new CsvSpec(';', true, List.of("x1", "x2"), "y", null, "user", "time");
    DatasetSplit split = new CsvDatasetReader(f, s).read(Split.TRAIN);
    assertEquals(DatasetShape.classification(2, 3), split.shape());
    assertEquals(2, split.size());
    Example a = split.examples().get(0);
    assertArrayEquals(new float[] {0.5f, -1f}, a.features());
    assertEquals(2, a.label());
    assertEquals("alice", a.userId());
    assertEquals(1_700_000_000_000L, a.eventTimeMillis());
    Example b = split.examples().get(1);
    assertArrayEquals(new float[] {0.001f, 4f}, b.features());
    assertEquals("bob", b.userId());
    assertEquals(1_706_702_400_000L, b.eventTimeMillis());
  }

  @Test
  void aRegressionFileWithoutHeaderIsRead(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("r.csv");
    Files.writeString(f, "1,2,3.5\n4,5,-6.25\n");
    DatasetSplit split = new CsvDatasetReader(f, spec(false, "0-1", null, "2")).read(Split.TRAIN);
    assertEquals(new DatasetShape(2, 0, List.of()), split.shape());
    assertEquals(-6.25, split.examples().get(1).target());
    assertNull(split.examples().get(1).label());
    assertNull(split.examples().get(1).userId());
    var noTest = assertThrows(
        IllegalArgumentException.class,
        () -> new CsvDatasetReader(f, spec(false, "0-1", null, "2")).read(Split.TEST));
    assertTrue(noTest.getMessage().contains("single file"), noTest.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1,2,1\\n1,x,0|line 2, column 1: 'x' is not a finite number",
        "1,2,1\\n1,NaN,0|line 2, column 1: 'NaN' is not a finite number",
        "1,2,1\\n1,2,0.5|line 2, column 2: label '0.5' is not a whole number",
        "1,2,1\\n1,2|line 2 has 2 fields, expected 3",
        "1,2,-1|line 1, column 2: label -1 is negative",
      })
  void badValuesNameTheFileLineAndColumn(String content, String message, @TempDir Path dir)
      throws IOException {
    Path f = dir.resolve("bad.csv");
    Files.writeString(f, content.replace("\\n", "\n"));
    var e = assertThrows(
        MalformedDatasetException.class,
        () -> new CsvDatasetReader(f, spec(false, "0-1", "2", null)).read(Split.TRAIN));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    Path f = dir.resolve("nope.csv");
    var e = assertThrows(
        MalformedDatasetException.class, () -> new CsvDatasetReader(f, spec(false, "0", "1", null)));
    assertTrue(e.getMessage().contains("nope.csv: no such file"), e.getMessage());
  }
}
