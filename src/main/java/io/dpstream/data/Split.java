package io.dpstream.data;

/**
 * A part of a data set. {@link #TEST} is what {@code dpstream experiment} evaluates on; it is
 * never streamed into training.
 */
public enum Split {
  TRAIN,
  TEST;

  /**
   * Parses {@code train} or {@code test} (case-insensitive).
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Split fromCliName(String name) {
    return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "train" -> TRAIN;
      case "test" -> TEST;
      default -> throw new IllegalArgumentException(
          "unknown split '" + name + "'; expected train or test");
    };
  }

  /** {@code train} or {@code test}. */
  public String cliName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
