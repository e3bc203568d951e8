package io.dpstream.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A generic delimited text file (RFC 4180 quoting, UTF-8) read as described by a {@link
 * CsvSpec}. The file is one split, {@link Split#TRAIN}; a test set is a second file read by a
 * second reader. Blank lines are skipped; a missing or non-numeric value is an error naming the
 * line and the column. The number of classes is {@code max(label) + 1} (at least 2).
 */
public final class CsvDatasetReader implements DatasetReader {

  private final Path file;
  private final CsvSpec spec;

  /** @throws IllegalArgumentException if {@code file} is not a readable regular file */
  public CsvDatasetReader(Path file, CsvSpec spec) {
    if (!Files.isRegularFile(file)) throw new MalformedDatasetException(file, "no such file");
    this.file = file;
    this.spec = spec;
  }

  @Override
  public DatasetKind kind() {
    return DatasetKind.CSV;
  }

  @Override
  public DatasetSplit read(Split split) throws IOException {
    if (split != Split.TRAIN) {
      throw new IllegalArgumentException(
          "a CSV data set is a single file: read the test file with a reader of its own");
    }
    CSVFormat format =
        CSVFormat.DEFAULT.builder()
            .setDelimiter(spec.delimiter())
            .setIgnoreEmptyLines(true)
            .setIgnoreSurroundingSpaces(true)
            .get();
    List<Example> examples = new ArrayList<>();
    int maxLabel = -1;
    int width;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, format)) {
      Iterator<CSVRecord> it = parser.iterator();
      List<String> names = null;
      if (spec.header()) {
        if (!it.hasNext()) throw new MalformedDatasetException(file, "empty file (no header)");
        names = it.next().toList();
      }
      if (!it.hasNext()) throw new MalformedDatasetException(file, "no data rows");
      CSVRecord first = it.next();
      int columns = names != null ? names.size() : first.size();
      CsvSpec.Resolved cols;
      try {
        cols = spec.resolve(names, columns);
      } catch (IllegalArgumentException e) {
        throw new MalformedDatasetException(file, e.getMessage(), e);
      }
      width = cols.features().length;
      CSVRecord row = first;
      while (true) {
        Example e = toExample(row, columns, cols);
        if (e.label() != null) maxLabel = Math.max(maxLabel, e.label());
        examples.add(e);
        if (!it.hasNext()) break;
        row = it.next();
      }
    } catch (java.io.UncheckedIOException e) {
      throw new MalformedDatasetException(file, "cannot parse: " + e.getMessage(), e);
    }
    int classes = spec.labelColumn() == null ? 0 : Math.max(2, maxLabel + 1);
    return new DatasetSplit(
        DatasetKind.CSV, split, new DatasetShape(width, classes, List.of()), examples);
  }

  private Example toExample(CSVRecord row, int columns, CsvSpec.Resolved cols) {
    long line = row.getParser().getCurrentLineNumber();
    if (row.size() != columns) {
      throw new MalformedDatasetException(
          file, "line " + line + " has " + row.size() + " fields, expected " + columns);
    }
    float[] f = new float[cols.features().length];
    for (int j = 0; j < f.length; j++) {
      int c = cols.features()[j];
      f[j] = (float) number(row.get(c), line, c);
    }
    Integer label = null;
    if (cols.label() >= 0) {
      String v = row.get(cols.label());
      try {
        label = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw bad(line, cols.label(), "label '" + v + "' is not a whole number");
      }
      if (label < 0) throw bad(line, cols.label(), "label " + label + " is negative");
    }
    Double target = cols.target() >= 0 ? number(row.get(cols.target()), line, cols.target()) : null;
    String user = null;
    if (cols.user() >= 0) {
      user = row.get(cols.user());
      if (user.isEmpty()) throw bad(line, cols.user(), "empty user id");
    }
    Long time = cols.time() >= 0 ? time(row.get(cols.time()), line, cols.time()) : null;
    return new Example(f, null, label, target, null, user, time);
  }

  private double number(String v, long line, int column) {
    try {
      double d = Double.parseDouble(v);
      if (Double.isFinite(d)) return d;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(line, column, "'" + v + "' is not a finite number");
  }

  private long time(String v, long line, int column) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      try {
        return Instant.parse(v).toEpochMilli();
      } catch (DateTimeParseException e2) {
        throw bad(line, column, "time '" + v + "' is neither epoch milliseconds nor an ISO-8601 instant");
      }
    }
  }

  private MalformedDatasetException bad(long line, int column, String problem) {
    return new MalformedDatasetException(file, "line " + line + ", column " + column + ": " + problem);
  }
}
