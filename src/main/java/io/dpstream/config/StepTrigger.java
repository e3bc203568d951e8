package io.dpstream.config;

import java.util.Locale;

/** What closes a step at the gate. */
public enum StepTrigger {
  /**
   * Wall-clock time: step {@code t} covers {@code [t·period, (t+1)·period)} milliseconds since the
   * epoch, the same windows on every partition, so markers of one step line up across partitions;
   * an idle partition still closes its steps.
   */
  TIME,
  /** Every {@code gate.stepRecords} admitted records of a partition; each partition counts alone. */
  COUNT;

  static StepTrigger parse(String key, String v) {
    try {
      return valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw Settings.bad(key, v, "time or count");
    }
  }
}
