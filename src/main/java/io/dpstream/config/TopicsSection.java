package io.dpstream.config;

/**
 * How dpstream's topics are created.
 *
 * @param partitions partitions of training-records, its dead-letter topic and step-contributions;
 *     the gate scales out to this many tasks, and each closes every step with one marker
 * @param ledgerPartitions partitions of privacy-ledger and budget-alerts
 */
public record TopicsSection(int partitions, int ledgerPartitions) {
  public TopicsSection {
    if (partitions < 1) throw new IllegalArgumentException("topics.partitions must be >= 1, got " + partitions);
    if (ledgerPartitions < 1)
      throw new IllegalArgumentException(
          "topics.ledgerPartitions must be >= 1, got " + ledgerPartitions);
  }

  static TopicsSection from(Settings s) {
    return new TopicsSection(
        s.intValue("topics.partitions", 4, 1, 100_000),
        s.intValue("topics.ledgerPartitions", 4, 1, 100_000));
  }
}
