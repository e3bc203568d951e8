package io.dpstream.data;

/**
 * How records get their user id, the unit of privacy (DESIGN.md §2). Parsed from the {@code
 * --users-from} option:
 *
 * <ul>
 *   <li>{@code record}: every record its own user, {@code record-<index>} (record-level privacy,
 *       as in Abadi et al. 2016);
 *   <li>{@code k:N}: N consecutive records per user, {@code user-<index / N>};
 *   <li>{@code data}: the data set's own user id (MovieLens user, synthetic user, a CSV user
 *       column);
 *   <li>{@code column:NAME}: a CSV's column NAME holds the user id ({@link #column()} tells the
 *       CSV reader which one); otherwise as {@code data}.
 * </ul>
 *
 * <p>Indexes count from 0 in the order records are produced.
 *
 * @param mode the rule
 * @param recordsPerUser N for {@link Mode#PER_K_RECORDS}, else 0
 * @param column the CSV column for {@link Mode#COLUMN}, else null
 */
public record UserIdAssignment(Mode mode, int recordsPerUser, String column) {

  /** The rules. */
  public enum Mode {
    PER_RECORD,
    PER_K_RECORDS,
    FROM_DATA,
    COLUMN
  }

  /** @throws IllegalArgumentException naming the field that does not fit the mode */
  public UserIdAssignment {
    if (mode == null) throw new IllegalArgumentException("mode must be set");
    if ((mode == Mode.PER_K_RECORDS) != (recordsPerUser > 0)) {
      throw new IllegalArgumentException(
          "recordsPerUser must be > 0 exactly for k:N, got " + recordsPerUser + " for " + mode);
    }
    if ((mode == Mode.COLUMN) != (column != null && !column.isBlank())) {
      throw new IllegalArgumentException("column must be set exactly for column:NAME");
    }
  }

  public static UserIdAssignment perRecord() {
    return new UserIdAssignment(Mode.PER_RECORD, 0, null);
  }

  public static UserIdAssignment perKRecords(int k) {
    return new UserIdAssignment(Mode.PER_K_RECORDS, k, null);
  }

  public static UserIdAssignment fromData() {
    return new UserIdAssignment(Mode.FROM_DATA, 0, null);
  }

  /**
   * Parses {@code record}, {@code k:N}, {@code data} or {@code column:NAME}.
   *
   * @throws IllegalArgumentException with the accepted forms when {@code spec} is malformed
   */
  public static UserIdAssignment parse(String spec) {
    String s = spec.trim();
    if (s.equals("record")) return perRecord();
    if (s.equals("data")) return fromData();
    if (s.startsWith("k:")) {
      int k;
      try {
        k = Integer.parseInt(s.substring(2));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--users-from k:N needs a whole number N, got '" + s + "'");
      }
      if (k < 1) throw new IllegalArgumentException("--users-from k:N needs N >= 1, got " + k);
      return perKRecords(k);
    }
    if (s.startsWith("column:") && s.length() > "column:".length()) {
      return new UserIdAssignment(Mode.COLUMN, 0, s.substring("column:".length()));
    }
    throw new IllegalArgumentException(
        "--users-from must be record, k:N, data or column:NAME, got '" + spec + "'");
  }

  /**
   * The user id of the record at {@code index}.
   *
   * @throws IllegalArgumentException when the rule takes the id from the data and the example
   *     has none
   */
  public String userIdFor(long index, Example example) {
    return switch (mode) {
      case PER_RECORD -> "record-" + index;
      case PER_K_RECORDS -> "user-" + (index / recordsPerUser);
      case FROM_DATA, COLUMN -> {
        if (example.userId() == null) {
          throw new IllegalArgumentException(
              "record " + index + " has no user id in the data; use --users-from record or k:N"
                  + " (or column:NAME for a CSV)");
        }
        yield example.userId();
      }
    };
  }

  @Override
  public String toString() {
    return switch (mode) {
      case PER_RECORD -> "record";
      case PER_K_RECORDS -> "k:" + recordsPerUser;
      case FROM_DATA -> "data";
      case COLUMN -> "column:" + column;
    };
  }
}
