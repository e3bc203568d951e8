package io.dpstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MNIST and Fashion-MNIST through the IDX reader, against the real files. Expected figures
 * (label counts, first labels, pixel sums of the first image, pixel mean and standard deviation)
 * were computed independently with Python's gzip module from the same files; the label counts
 * and 6,000-per-class balance of Fashion-MNIST are also the published ones.
 */
class IdxDatasetReaderTest {

  /** MNIST train is parsed once for every test of this class that needs it. */
  private static DatasetSplit mnistTrain;

  @BeforeAll
  static void readMnistTrainOnce() throws IOException {
    Path dir = SharedData.dir("mnist");
    mnistTrain = new IdxDatasetReader(DatasetKind.MNIST, dir, IdxDatasetReader.Scaling.UNIT)
        .read(Split.TRAIN);
  }

  @Test
  void mnistTrainHasThePublishedCountsAndShape() {
    assertEquals(60_000, mnistTrain.size());
    assertEquals(DatasetShape.classification(784, 10), mnistTrain.shape());
    int[] counts = new int[10];
    for (Example e : mnistTrain.examples()) {
      assertEquals(784, e.features().length);
      counts[e.label()]++;
    }
    assertArrayEquals(
        new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, counts);
  }

  @Test
  void mnistFirstTrainImageIsTheFamousFive() {
    Example first = mnistTrain.examples().get(0);
    assertEquals(5, first.label());
    float sum = 0;
    int nonZero = 0;
    for (float v : first.features()) {
      assertTrue(v >= 0f && v <= 1f, "pixel outside [0,1]: " + v);
      sum += v;
      if (v != 0f) nonZero++;
    }
    assertEquals(27525 / 255.0, sum, 1e-3);
    assertEquals(166, nonZero);
    assertEquals(240 / 255f, first.features()[14 * 28 + 14], 1e-6);
    assertEquals(null, first.userId());
    assertEquals(null, first.eventTimeMillis());
  }

  @Test
  void theMnistNormalisationConstantsAreTheTrainPixelStatistics() {
    double sum = 0;
    double sumSq = 0;
    long n = 0;
    for (Example e : mnistTrain.examples()) {
      for (float v : e.features()) {
        sum += v;
        sumSq += (double) v * v;
      }
      n += e.features().length;
    }
    double mean = sum / n;
    double std = Math.sqrt(sumSq / n - mean * mean);
    IdxDatasetReader reader =
        new IdxDatasetReader(DatasetKind.MNIST, Path.of("."), IdxDatasetReader.Scaling.STANDARDISED);
    assertEquals(reader.pixelMean(), mean, 5e-5);
    assertEquals(reader.pixelStd(), std, 5e-5);
  }

  @Test
  void mnistTestSplitIsStandardisedWhenAsked() throws IOException {
    DatasetSplit test =
        new IdxDatasetReader(DatasetKind.MNIST, SharedData.dir("mnist"), IdxDatasetReader.Scaling.STANDARDISED)
            .read(Split.TEST);
    assertEquals(10_000, test.size());
    Example first = test.examples().get(0);
    assertEquals(7, first.label());
    assertEquals((0 - 0.1307) / 0.3081, first.features()[0], 1e-6);
    assertEquals((1.0 - 0.1307) / 0.3081, max(first.features()), 1e-6);
  }

  @Test
  void fashionMnistIsBalancedWithItsOwnPixelStatistics() throws IOException {
    // The parent directory works too: the reader looks in its fashion-mnist/ subdirectory.
    Path parent = SharedData.dir("fashion-mnist").getParent();
    IdxDatasetReader reader =
        new IdxDatasetReader(DatasetKind.FASHION_MNIST, parent, IdxDatasetReader.Scaling.UNIT);
    DatasetSplit train = reader.read(Split.TRAIN);
    DatasetSplit test = reader.read(Split.TEST);
    assertEquals(60_000, train.size());
    assertEquals(10_000, test.size());
    int[] trainCounts = new int[10];
    int[] testCounts = new int[10];
    double sum = 0;
    double sumSq = 0;
    for (Example e : train.examples()) {
      trainCounts[e.label()]++;
      for (float v : e.features()) {
        sum += v;
        sumSq += (double) v * v;
      }
    }
    for (Example e : test.examples()) testCounts[e.label()]++;
    for (int k = 0; k < 10; k++) {
      assertEquals(6000, trainCounts[k]);
      assertEquals(1000, testCounts[k]);
    }
    double n = 60_000.0 * 784;
    double mean = sum / n;
    assertEquals(reader.pixelMean(), mean, 5e-5);
    assertEquals(reader.pixelStd(), Math.sqrt(sumSq / n - mean * mean), 5e-5);
    assertEquals(9, train.examples().get(0).label());
    assertEquals(433, nonZero(train.examples().get(0).features()));
  }

  @Test
  void rawUncompressedFilesAreReadExactly(@TempDir Path dir) throws IOException {
    byte[] pixels = {0, (byte) 255, 51, 102, 1, 2, 3, 4};
    writeIdx(dir.resolve("t10k-images-idx3-ubyte"), false, 0x803, new int[] {2, 2, 2}, pixels);
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), true, 0x801, new int[] {2}, new byte[] {3, 9});
    // Only the .gz label file exists: the reader picks whichever is present.
    Files.move(dir.resolve("t10k-labels-idx1-ubyte"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
    DatasetSplit split =
        new IdxDatasetReader(DatasetKind.MNIST, dir, IdxDatasetReader.Scaling.UNIT).read(Split.TEST);
    assertEquals(DatasetShape.classification(4, 10), split.shape());
    assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.4f}, split.examples().get(0).features(), 1e-7f);
    assertEquals(3, split.examples().get(0).label());
    assertEquals(9, split.examples().get(1).label());
  }

  @Test
  void aWrongMagicNumberIsReportedWithTheFile(@TempDir Path dir) throws IOException {
    // A label file where the image file should be.
    writeIdx(dir.resolve("t10k-images-idx3-ubyte"), false, 0x801, new int[] {2}, new byte[] {1, 2});
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, 0x801, new int[] {2}, new byte[] {1, 2});
    var e = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    assertTrue(e.getMessage().contains("magic 0x00000801, expected 0x00000803"), e.getMessage());
  }

  @Test
  void truncatedFilesAndMismatchedCountsAreReported(@TempDir Path dir) throws IOException {
    writeIdx(dir.resolve("t10k-images-idx3-ubyte"), true, 0x803, new int[] {3, 2, 2}, new byte[8]);
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, 0x801, new int[] {2}, new byte[] {1, 2});
    var truncated = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

    writeIdx(dir.resolve("t10k-images-idx3-ubyte"), true, 0x803, new int[] {1, 2, 2}, new byte[4]);
    var mismatch = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(mismatch.getMessage().contains("2 labels for 1 images"), mismatch.getMessage());

    writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, 0x801, new int[] {1}, new byte[] {10});
    var range = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(range.getMessage().contains("label 10 of item 0 is not 0-9"), range.getMessage());
  }

  @Test
  void corruptGzipDataIsReportedWithTheFile(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3, 4});
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, 0x801, new int[] {1}, new byte[] {1});
    var e = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz: corrupt gzip data"), e.getMessage());
  }

  @Test
  void aMissingFileNamesWhatWasLookedFor(@TempDir Path dir) {
    var e = assertThrows(MalformedDatasetException.class, () -> read(dir));
    assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz or t10k-images-idx3-ubyte"), e.getMessage());
  }

  private static DatasetSplit read(Path dir) throws IOException {
    return new IdxDatasetReader(DatasetKind.MNIST, dir, IdxDatasetReader.Scaling.UNIT).read(Split.TEST);
  }

  private static void writeIdx(Path file, boolean gzip, int magic, int[] dims, byte[] payload)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(magic);
      for (int d : dims) out.writeInt(d);
      out.write(payload);
    }
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
      out.write(bytes.toByteArray());
    }
  }

  private static float max(float[] v) {
    float m = Float.NEGATIVE_INFINITY;
    for (float x : v) m = Math.max(m, x);
    return m;
  }

  private static int nonZero(float[] v) {
    int n = 0;
    for (float x : v) if (x != 0f) n++;
    return n;
  }
}
