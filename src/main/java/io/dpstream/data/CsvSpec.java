package io.dpstream.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which columns of a delimited text file make an {@link Example}.
 *
 * <p><b>Column references.</b> A reference is a 0-based column index ({@code 3}), an inclusive
 * index range ({@code 1-784}), or, when the file has a header, a column name. Tokens made only of
 * digits (and one '-' between digits) are always indexes. In {@link #featureColumns}, {@code *}
 * stands for every column not used as label, target, user or time, in file order.
 *
 * @param delimiter the field separator, e.g. ',' or '\t'
 * @param header whether the first line holds column names (and is not data)
 * @param featureColumns references to the dense feature columns, in feature order; parsed as
 *     floats
 * @param labelColumn the class label column (integers >= 0), or null
 * @param targetColumn the regression target column (numbers), or null; exactly one of label and
 *     target is set
 * @param userColumn the user id column, or null
 * @param timeColumn the event time column (epoch milliseconds, or an ISO-8601 instant such as
 *     {@code 2024-01-31T12:00:00Z}), or null
 */
public record CsvSpec(
    char delimiter,
    boolean header,
    List<String> featureColumns,
    String labelColumn,
    String targetColumn,
    String userColumn,
    String timeColumn) {

  private static final Pattern INDEX = Pattern.compile("\\d+");
  private static final Pattern RANGE = Pattern.compile("(\\d+)-(\\d+)");

  /** @throws IllegalArgumentException naming the option that is wrong */
  public CsvSpec {
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      throw new IllegalArgumentException("--csv-delimiter cannot be a quote or a line break");
    }
    featureColumns = featureColumns == null ? List.of() : List.copyOf(featureColumns);
    for (String c : featureColumns) {
      if (c.isBlank()) throw new IllegalArgumentException("--csv-features has an empty column reference");
    }
    if (featureColumns.isEmpty()) {
      throw new IllegalArgumentException("--csv-features must name at least one column (or *)");
    }
    if ((labelColumn == null) == (targetColumn == null)) {
      throw new IllegalArgumentException("give exactly one of --csv-label and --csv-target");
    }
  }

  /**
   * Splits a comma-separated list of column references ({@code "0-9,age,*"}).
   *
   * @throws IllegalArgumentException if the list is empty
   */
  public static List<String> columnList(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String s : commaSeparated.split(",")) {
      if (!s.isBlank()) out.add(s.trim());
    }
    if (out.isEmpty()) throw new IllegalArgumentException("empty column list '" + commaSeparated + "'");
    return out;
  }

  /**
   * Parses a delimiter option: one character, or {@code \t}, {@code tab}, {@code comma}, {@code
   * semicolon}, {@code space}.
   *
   * @throws IllegalArgumentException for anything longer
   */
  public static char delimiterOf(String option) {
    return switch (option) {
      case "\\t", "tab", "\t" -> '\t';
      case "comma" -> ',';
      case "semicolon" -> ';';
      case "space" -> ' ';
      default -> {
        if (option.length() != 1) {
          throw new IllegalArgumentException(
              "--csv-delimiter must be one character (or tab, comma, semicolon, space), got '"
                  + option + "'");
        }
        yield option.charAt(0);
      }
    };
  }

  /**
   * Column positions of a spec, once the file's columns are known.
   *
   * @param features feature column indexes in feature order
   * @param label label column index, or -1
   * @param target target column index, or -1
   * @param user user id column index, or -1
   * @param time time column index, or -1
   */
  public record Resolved(int[] features, int label, int target, int user, int time) {}

  /**
   * Resolves every reference against a file's columns.
   *
   * @param names the header's column names, or null when the file has none
   * @param columns the number of columns in the file
   * @throws IllegalArgumentException naming the reference that matches no column
   */
  public Resolved resolve(List<String> names, int columns) {
    int label = labelColumn == null ? -1 : single(labelColumn, names, columns, "--csv-label");
    int target = targetColumn == null ? -1 : single(targetColumn, names, columns, "--csv-target");
    int user = userColumn == null ? -1 : single(userColumn, names, columns, "user column");
    int time = timeColumn == null ? -1 : single(timeColumn, names, columns, "--csv-time");
    Set<Integer> used = new HashSet<>();
    for (int c : new int[] {label, target, user, time}) {
      if (c >= 0 && !used.add(c)) {
        throw new IllegalArgumentException(
            "column " + c + " is used twice among label, target, user and time");
      }
    }
    Set<Integer> features = new LinkedHashSet<>();
    for (String ref : featureColumns) {
      if (ref.equals("*")) {
        for (int i = 0; i < columns; i++) if (!used.contains(i)) features.add(i);
        continue;
      }
      for (int i : indexes(ref, names, columns, "--csv-features")) {
        if (used.contains(i)) {
          throw new IllegalArgumentException(
              "--csv-features column '" + ref + "' is also the label, target, user or time column");
        }
        if (!features.add(i)) {
          throw new IllegalArgumentException("--csv-features names column " + i + " twice");
        }
      }
    }
    if (features.isEmpty()) throw new IllegalArgumentException("--csv-features selects no column");
    return new Resolved(
        features.stream().mapToInt(Integer::intValue).toArray(), label, target, user, time);
  }

  private static int single(String ref, List<String> names, int columns, String option) {
    List<Integer> idx = indexes(ref, names, columns, option);
    if (idx.size() != 1) {
      throw new IllegalArgumentException(option + " must name one column, got '" + ref + "'");
    }
    return idx.get(0);
  }

  private static List<Integer> indexes(String ref, List<String> names, int columns, String option) {
    Matcher range = RANGE.matcher(ref);
    List<Integer> out = new ArrayList<>();
    if (INDEX.matcher(ref).matches()) {
      out.add(checked(Integer.parseInt(ref), columns, ref, option));
    } else if (range.matches()) {
      int from = checked(Integer.parseInt(range.group(1)), columns, ref, option);
      int to = checked(Integer.parseInt(range.group(2)), columns, ref, option);
      if (to < from) throw new IllegalArgumentException(option + " range '" + ref + "' is empty");
      for (int i = from; i <= to; i++) out.add(i);
    } else {
      if (names == null) {
        throw new IllegalArgumentException(
            option + " refers to column '" + ref + "' by name but the file has no header"
                + " (use a 0-based index, or --csv-header)");
      }
      int i = names.indexOf(ref);
      if (i < 0) {
        throw new IllegalArgumentException(
            option + ": no column named '" + ref + "'; the header has " + names);
      }
      out.add(i);
    }
    return out;
  }

  private static int checked(int index, int columns, String ref, String option) {
    if (index >= columns) {
      throw new IllegalArgumentException(
          option + " column " + index + " (in '" + ref + "') is beyond the file's " + columns
              + " columns (indexes count from 0)");
    }
    return index;
  }
}
