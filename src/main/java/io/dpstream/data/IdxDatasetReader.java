package io.dpstream.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * MNIST and Fashion-MNIST in their original IDX format (LeCun et al., "THE MNIST DATABASE of
 * handwritten digits", file format section): {@code train-images-idx3-ubyte}, {@code
 * train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 * gzipped ({@code .gz}) or raw (detected from the gzip magic bytes).
 *
 * <p>Checks: the magic numbers (0x00000803 for images, 0x00000801 for labels), equal image and
 * label counts, the full payload present with nothing after it, labels 0–9. Features: the
 * row-major pixels, {@code rows × cols} (784) per image, scaled as {@link Scaling} says. Labels:
 * 0–9. No user ids or times in the data.
 */
public final class IdxDatasetReader implements DatasetReader {

  /** The IDX magic number of an unsigned-byte 3-dimensional array (images). */
  static final int IMAGES_MAGIC = 0x00000803;
  /** The IDX magic number of an unsigned-byte 1-dimensional array (labels). */
  static final int LABELS_MAGIC = 0x00000801;

  static final int CLASSES = 10;

  /** How pixel bytes 0–255 become features. */
  public enum Scaling {
    /** {@code p / 255}, in [0, 1]. */
    UNIT,
    /**
     * {@code (p / 255 − mean) / std} with the training set's pixel mean and standard deviation:
     * 0.1307 and 0.3081 for MNIST (the values of PyTorch's examples/mnist), 0.2860 and 0.3530
     * for Fashion-MNIST. {@code IdxDatasetReaderTest} recomputes both pairs from the files.
     */
    STANDARDISED
  }

  private final DatasetKind kind;
  private final Path data;
  private final Scaling scaling;

  /**
   * @param kind {@link DatasetKind#MNIST} or {@link DatasetKind#FASHION_MNIST}
   * @param data the directory of the IDX files, or a parent holding {@code mnist/} or {@code
   *     fashion-mnist/}
   * @throws IllegalArgumentException for any other kind
   */
  public IdxDatasetReader(DatasetKind kind, Path data, Scaling scaling) {
    if (kind != DatasetKind.MNIST && kind != DatasetKind.FASHION_MNIST) {
      throw new IllegalArgumentException("IDX reader reads mnist or fashion-mnist, not " + kind);
    }
    this.kind = kind;
    this.data = data;
    this.scaling = scaling;
  }

  @Override
  public DatasetKind kind() {
    return kind;
  }

  /** The pixel mean of this data set's training images, in [0, 1] units. */
  public double pixelMean() {
    return kind == DatasetKind.MNIST ? 0.1307 : 0.2860;
  }

  /** The pixel standard deviation of this data set's training images, in [0, 1] units. */
  public double pixelStd() {
    return kind == DatasetKind.MNIST ? 0.3081 : 0.3530;
  }

  @Override
  public DatasetSplit read(Split split) throws IOException {
    String prefix = split == Split.TRAIN ? "train" : "t10k";
    Path imagesFile = locate(prefix + "-images-idx3-ubyte");
    Path labelsFile = locate(prefix + "-labels-idx1-ubyte");
    Images images = readImages(imagesFile);
    byte[] labels = readLabels(labelsFile);
    if (labels.length != images.count()) {
      throw new MalformedDatasetException(
          labelsFile,
          labels.length + " labels for " + images.count() + " images in " + imagesFile.getFileName());
    }
    int width = images.rows() * images.cols();
    float[] lookup = pixelLookup();
    List<Example> examples = new ArrayList<>(images.count());
    for (int i = 0; i < images.count(); i++) {
      int label = labels[i] & 0xff;
      if (label >= CLASSES) {
        throw new MalformedDatasetException(labelsFile, "label " + label + " of item " + i + " is not 0-9");
      }
      float[] f = new float[width];
      int base = i * width;
      for (int j = 0; j < width; j++) f[j] = lookup[images.pixels()[base + j] & 0xff];
      examples.add(Example.classified(f, label));
    }
    return new DatasetSplit(kind, split, DatasetShape.classification(width, CLASSES), examples);
  }

  private float[] pixelLookup() {
    float[] lookup = new float[256];
    for (int p = 0; p < 256; p++) {
      double unit = p / 255.0;
      lookup[p] =
          (float) (scaling == Scaling.UNIT ? unit : (unit - pixelMean()) / pixelStd());
    }
    return lookup;
  }

  private Path locate(String baseName) {
    String subdir = kind == DatasetKind.MNIST ? "mnist" : "fashion-mnist";
    return DataLocation.find(data, subdir, List.of(baseName + ".gz", baseName));
  }

  /** The pixels of an IDX image file: {@code count × rows × cols} unsigned bytes, row-major. */
  record Images(int count, int rows, int cols, byte[] pixels) {}

  static Images readImages(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != IMAGES_MAGIC) {
        throw new MalformedDatasetException(
            file, String.format("not an IDX image file: magic 0x%08x, expected 0x%08x", magic, IMAGES_MAGIC));
      }
      int count = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols > Integer.MAX_VALUE - 8) {
        throw new MalformedDatasetException(
            file, "implausible dimensions " + count + "×" + rows + "×" + cols);
      }
      byte[] pixels = new byte[count * rows * cols];
      in.readFully(pixels);
      requireEnd(in, file);
      return new Images(count, rows, cols, pixels);
    } catch (EOFException e) {
      throw new MalformedDatasetException(file, "truncated: ends before the header's item count", e);
    } catch (ZipException e) {
      throw new MalformedDatasetException(file, "corrupt gzip data: " + e.getMessage(), e);
    }
  }

  static byte[] readLabels(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int magic = in.readInt();
      if (magic != LABELS_MAGIC) {
        throw new MalformedDatasetException(
            file, String.format("not an IDX label file: magic 0x%08x, expected 0x%08x", magic, LABELS_MAGIC));
      }
      int count = in.readInt();
      if (count < 0) throw new MalformedDatasetException(file, "negative item count " + count);
      byte[] labels = new byte[count];
      in.readFully(labels);
      requireEnd(in, file);
      return labels;
    } catch (EOFException e) {
      throw new MalformedDatasetException(file, "truncated: ends before the header's item count", e);
    } catch (ZipException e) {
      throw new MalformedDatasetException(file, "corrupt gzip data: " + e.getMessage(), e);
    }
  }

  private static void requireEnd(InputStream in, Path file) throws IOException {
    if (in.read() != -1) {
      throw new MalformedDatasetException(file, "trailing bytes after the header's item count");
    }
  }

  /** Opens a file, gunzipping when it starts with the gzip magic bytes 1f 8b (RFC 1952). */
  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
    return new DataInputStream(new BufferedInputStream(in, 1 << 16));
  }
}
