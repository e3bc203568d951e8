package io.dpstream.snapshot;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads {@link FeatureRow}s from JSON and CSV, with errors that name the row and the field.
 *
 * <p>JSON: {@code {"features": [0.1, 2, ...], "categoricalIds": [3, 17]}} ({@code
 * categoricalIds} optional), or a bare array of features {@code [0.1, 2, ...]}. CSV: the first
 * {@code categoricalColumns} columns are integer ids, the rest are features.
 */
public final class FeatureRowParser {
  private FeatureRowParser() {}

  /**
   * @param where names the row in error messages, e.g. {@code rows[3]} or {@code line 7}
   * @throws IllegalArgumentException if the node is not a row
   */
  public static FeatureRow fromJson(JsonNode node, String where) {
    JsonNode features;
    JsonNode ids = null;
    if (node != null && node.isArray()) {
      features = node;
    } else if (node != null && node.isObject()) {
      features = node.get("features");
      ids = node.get("categoricalIds");
      var names = node.fieldNames();
      while (names.hasNext()) {
        String n = names.next();
        if (!n.equals("features") && !n.equals("categoricalIds")) {
          throw new IllegalArgumentException(where + " has an unknown field '" + n
              + "' (expected features and categoricalIds)");
        }
      }
      if (features == null) throw new IllegalArgumentException(where + " has no features");
    } else {
      throw new IllegalArgumentException(
          where + " must be an object {\"features\": [...], \"categoricalIds\": [...]} or an array"
              + " of numbers");
    }
    if (!features.isArray()) {
      throw new IllegalArgumentException(where + ".features must be an array of numbers");
    }
    float[] f = new float[features.size()];
    for (int i = 0; i < f.length; i++) {
      JsonNode v = features.get(i);
      if (!v.isNumber()) {
        throw new IllegalArgumentException(where + ".features[" + i + "] is not a number: " + v);
      }
      f[i] = v.floatValue();
      if (!Float.isFinite(f[i])) {
        throw new IllegalArgumentException(where + ".features[" + i + "] is out of float range");
      }
    }
    int[] c = new int[0];
    if (ids != null && !ids.isNull()) {
      if (!ids.isArray()) {
        throw new IllegalArgumentException(where + ".categoricalIds must be an array of integers");
      }
      c = new int[ids.size()];
      for (int i = 0; i < c.length; i++) {
        JsonNode v = ids.get(i);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
          throw new IllegalArgumentException(
              where + ".categoricalIds[" + i + "] is not a non-negative 32-bit integer: " + v);
        }
        c[i] = v.intValue();
      }
    }
    return new FeatureRow(f, c);
  }

  /**
   * @param line one CSV line of numbers separated by commas (surrounding spaces allowed)
   * @param categoricalColumns how many leading columns are categorical ids, at or above 0
   * @param where names the row in error messages
   * @throws IllegalArgumentException if a value is not a number or an id is not an integer
   */
  public static FeatureRow fromCsv(String line, int categoricalColumns, String where) {
    String[] cells = line.split(",", -1);
    if (cells.length < categoricalColumns) {
      throw new IllegalArgumentException(where + " has " + cells.length
          + " columns, fewer than the "
          + categoricalColumns + " categorical ones");
    }
    int[] ids = new int[categoricalColumns];
    float[] features = new float[cells.length - categoricalColumns];
    for (int i = 0; i < cells.length; i++) {
      String cell = cells[i].trim();
      try {
        if (i < categoricalColumns) {
          ids[i] = Integer.parseInt(cell);
          if (ids[i] < 0) throw new NumberFormatException("negative");
        } else {
          features[i - categoricalColumns] = Float.parseFloat(cell);
          if (!Float.isFinite(features[i - categoricalColumns])) {
            throw new NumberFormatException("not finite");
          }
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + " column " + (i + 1) + " is not "
            + (i < categoricalColumns ? "a non-negative integer id" : "a finite number") + ": '"
            + cell + "'");
      }
    }
    return new FeatureRow(features, ids);
  }
}
