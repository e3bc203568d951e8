package io.dpstream.data;

/**
 * How records get their event time: the data set's own time where it has one (MovieLens, a CSV
 * time column, the synthetic source), or a synthetic clock {@code start + index · interval}.
 *
 * @param useDataTime take the example's own time when present; when false, or when the example
 *     has none, use the synthetic clock
 * @param startMillis the synthetic clock's first value, milliseconds since the epoch
 * @param intervalMillis the synthetic clock's step between consecutive records, >= 0
 */
public record EventTimeAssignment(boolean useDataTime, long startMillis, long intervalMillis) {

  /** @throws IllegalArgumentException if {@code intervalMillis} is negative */
  public EventTimeAssignment {
    if (intervalMillis < 0) {
      throw new IllegalArgumentException("intervalMillis must be >= 0: " + intervalMillis);
    }
  }

  /** The data's times, falling back to {@code start + index · interval} where there are none. */
  public static EventTimeAssignment fromDataOr(long startMillis, long intervalMillis) {
    return new EventTimeAssignment(true, startMillis, intervalMillis);
  }

  /** Always {@code start + index · interval}, ignoring the data's times. */
  public static EventTimeAssignment synthetic(long startMillis, long intervalMillis) {
    return new EventTimeAssignment(false, startMillis, intervalMillis);
  }

  /** The event time of the record at {@code index}, in milliseconds since the epoch. */
  public long eventTimeFor(long index, Example example) {
    if (useDataTime && example.eventTimeMillis() != null) return example.eventTimeMillis();
    return startMillis + index * intervalMillis;
  }
}
