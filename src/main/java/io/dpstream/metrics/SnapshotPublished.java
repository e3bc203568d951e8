package io.dpstream.metrics;

import java.time.Instant;
import java.util.Objects;

/**
 * A model snapshot the trainer published. Snapshots are DP outputs; these figures about them are
 * public.
 *
 * @param version the snapshot version, increasing, &gt;= 0
 * @param step the global step the snapshot was taken after, &gt;= 0
 * @param sizeBytes encoded size of the snapshot, all chunks together, &gt;= 0
 * @param publishedAt when its last chunk was acknowledged by Kafka
 */
public record SnapshotPublished(long version, long step, long sizeBytes, Instant publishedAt) {
  public SnapshotPublished {
    if (version < 0) throw new IllegalArgumentException("version must be >= 0, got " + version);
    if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
    if (sizeBytes < 0)
      throw new IllegalArgumentException("sizeBytes must be >= 0, got " + sizeBytes);
    Objects.requireNonNull(publishedAt, "publishedAt");
  }
}
