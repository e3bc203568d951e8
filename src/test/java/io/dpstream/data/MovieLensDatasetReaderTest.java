package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.TrainingRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MovieLens 100K against the real {@code u.data} (read in place; never copied). The split sizes
 * and first and last ratings were computed independently with Python from the same file and the
 * documented rule (per user, the last max(1, ⌊n/10⌋) ratings by time are the test split).
 */
class MovieLensDatasetReaderTest {

  private static DatasetSplit train;
  private static DatasetSplit test;

  @BeforeAll
  static void readBothSplits() throws IOException {
    MovieLensDatasetReader reader = new MovieLensDatasetReader(SharedData.dir("ml-100k"));
    train = reader.read(Split.TRAIN);
    test = reader.read(Split.TEST);
  }

  @Test
  void splitsCoverEveryRatingOnceWithTheDocumentedShape() {
    assertEquals(90_404, train.size());
    assertEquals(9_596, test.size());
    assertEquals(new DatasetShape(0, 0, List.of(943, 1682)), train.shape());
    Set<String> pairs = new HashSet<>();
    for (DatasetSplit s : List.of(train, test)) {
      for (Example e : s.examples()) {
        assertEquals(0, e.features().length);
        assertNull(e.label());
        assertTrue(e.target() >= 1 && e.target() <= 5);
        assertTrue(e.categoricalIds()[0] < 943 && e.categoricalIds()[1] < 1682);
        assertEquals(Integer.toString(e.categoricalIds()[0] + 1), e.userId());
        assertTrue(pairs.add(e.categoricalIds()[0] + ":" + e.categoricalIds()[1]), "duplicate");
      }
    }
    assertEquals(100_000, pairs.size());
  }

  @Test
  void eachSplitIsAStreamOrderedByTime() {
    Example first = train.examples().get(0);
    assertEquals("259", first.userId());
    assertArrayEquals(new int[] {258, 254}, first.categoricalIds());
    assertEquals(4.0, first.target());
    assertEquals(874_724_710_000L, first.eventTimeMillis());
    Example last = test.examples().get(test.size() - 1);
    assertEquals("729", last.userId());
    assertEquals(893_286_638_000L, last.eventTimeMillis());
    for (DatasetSplit s : List.of(train, test)) {
      for (int i = 1; i < s.size(); i++) {
        assertTrue(s.examples().get(i - 1).eventTimeMillis() <= s.examples().get(i).eventTimeMillis());
      }
    }
  }

  @Test
  void everyUserIsInBothSplitsAndTestsTheirFuture() {
    Map<String, Long> lastTrain = new HashMap<>();
    Map<String, Long> firstTest = new HashMap<>();
    for (Example e : train.examples()) lastTrain.merge(e.userId(), e.eventTimeMillis(), Math::max);
    for (Example e : test.examples()) firstTest.merge(e.userId(), e.eventTimeMillis(), Math::min);
    assertEquals(943, lastTrain.size());
    assertEquals(943, firstTest.size());
    for (var u : lastTrain.entrySet()) {
      assertTrue(u.getValue() <= firstTest.get(u.getKey()), "user " + u.getKey());
    }
  }

  @Test
  void recordsKeepTheDataUserAndTime() {
    TrainingRecord r =
        train.records(UserIdAssignment.fromData(), EventTimeAssignment.fromDataOr(0, 1))
            .findFirst()
            .orElseThrow();
    assertEquals("259", r.getUserId());
    assertEquals(874_724_710_000L, r.getEventTime().toEpochMilli());
    assertEquals(List.of(258, 254), r.getCategoricalIds());
    assertEquals(4.0, r.getTarget());
  }

  @Test
  void idsOutsideTheDocumentedSpacesAreRejected(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("u.data"), "1\t1\t5\t874724710\n944\t1\t3\t874724711\n");
    var e = assertThrows(
        MalformedDatasetException.class, () -> new MovieLensDatasetReader(dir).read(Split.TRAIN));
    assertTrue(e.getMessage().contains("u.data: line 2: user id 944 outside 1..943"), e.getMessage());

    Files.writeString(dir.resolve("u.data"), "1,1,5,874724710\n");
    var f = assertThrows(
        MalformedDatasetException.class, () -> new MovieLensDatasetReader(dir).read(Split.TRAIN));
    assertTrue(f.getMessage().contains("expected 4"), f.getMessage());
  }
}
