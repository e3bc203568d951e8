package io.dpstream.snapshot;

import io.dpstream.avro.SnapshotChunk;
import io.dpstream.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Turns a {@link ModelSnapshot} into the records that publish it on {@code model-snapshots}, for
 * the caller to send inside its own Kafka transaction (the trainer sends them together with its
 * input offsets, its privacy metrics and its checkpoint). {@link TransactionalSnapshotPublisher}
 * sends them in a transaction of its own.
 *
 * <h2>The scheme</h2>
 *
 * The topic is compacted with key = model id, and the broker's default message limit is 1 MB, so
 * a snapshot of any size is published as:
 *
 * <ol>
 *   <li>its single-object encoding cut into slices of at most {@code chunkBytes} (900 KiB by
 *       default), each a {@code SnapshotChunk} record keyed {@code <modelId>/chunk-<i>}, carrying
 *       the version, its index, the chunk count, the total size and the SHA-256 of the whole
 *       encoding;
 *   <li>tombstones for chunk keys this publisher used for an earlier version of the model beyond
 *       the new chunk count (so compaction drops stale chunks when a model shrinks);
 *   <li>last, a {@code SnapshotManifest} keyed {@code <modelId>}: the commit point.
 * </ol>
 *
 * All of them go to one partition, the one the default partitioner picks for the key {@code
 * modelId}, so they are read in the order written. Sent in one transaction and read with {@code
 * isolation.level=read_committed}, a version is visible whole or not at all. Compaction keeps, per
 * key, the newest record: the newest manifest and the newest chunk at each index. Chunk keys are
 * shared across versions (not {@code <modelId>/<version>/...}), so old versions are compacted
 * away instead of accumulating; and because a version's chunks precede its manifest, and records
 * of aborted transactions never replace committed ones, the log always holds the newest
 * committed version complete. A reader that meets a manifest whose chunks were already replaced
 * by a newer version's simply finds that version incomplete and takes the newer one a few
 * records later ({@link SnapshotAssembler}).
 *
 * <p>Thread-safe.
 */
public final class SnapshotPublisher {
  /** Default slice size: 900 KiB, leaving room for keys and headers under the 1 MB limit. */
  public static final int DEFAULT_CHUNK_BYTES = 900 * 1024;

  private final String topic;
  private final int partitions;
  private final int chunkBytes;
  private final Map<String, Integer> chunkKeysUsed = new ConcurrentHashMap<>();

  /** A publisher to {@link Topics#MODEL_SNAPSHOTS} with the given partition count. */
  public SnapshotPublisher(int partitions) {
    this(Topics.MODEL_SNAPSHOTS, partitions, DEFAULT_CHUNK_BYTES);
  }

  /**
   * @param topic the snapshot topic
   * @param partitions its partition count, at least 1 (e.g. {@code
   *     producer.partitionsFor(topic).size()})
   * @param chunkBytes largest payload per chunk record, in [1, 1 000 000] bytes
   * @throws IllegalArgumentException naming the bad argument
   */
  public SnapshotPublisher(String topic, int partitions, int chunkBytes) {
    if (topic == null || topic.isBlank()) throw new IllegalArgumentException("topic is blank");
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    if (chunkBytes < 1 || chunkBytes > ChunkedSnapshot.MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunkBytes must be in [1, " + ChunkedSnapshot.MAX_CHUNK_BYTES + "], got " + chunkBytes);
    }
    this.topic = topic;
    this.partitions = partitions;
    this.chunkBytes = chunkBytes;
  }

  /**
   * The records that publish {@code snapshot}, in the order they must be sent: chunks, tombstones
   * for stale chunk keys, then the manifest. Send all of them in one transaction.
   */
  public List<ProducerRecord<byte[], byte[]>> records(ModelSnapshot snapshot) {
    ChunkedSnapshot cut = ChunkedSnapshot.of(snapshot, chunkBytes);
    String modelId = snapshot.modelId();
    int partition = partitionFor(modelId, partitions);
    int count = cut.chunks().size();
    // Remember the largest chunk count ever emitted (not the last): a transaction that carried
    // tombstones may have been aborted, so they are repeated until a larger snapshot comes.
    int used = chunkKeysUsed.merge(modelId, count, Math::max);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(used + 1);
    for (SnapshotChunk chunk : cut.chunks()) {
      out.add(record(partition, SnapshotKeys.chunkKey(modelId, chunk.getIndex()),
          SnapshotCodec.encodeChunk(chunk)));
    }
    for (int i = count; i < used; i++) {
      out.add(record(partition, SnapshotKeys.chunkKey(modelId, i), null));
    }
    out.add(record(partition, SnapshotKeys.manifestKey(modelId),
        SnapshotCodec.encodeManifest(cut.manifest())));
    return out;
  }

  /** The snapshot topic this publisher writes to. */
  public String topic() {
    return topic;
  }

  /**
   * The partition of all of a model's records: where Kafka's default partitioner puts the key
   * {@code modelId} (murmur2 of its UTF-8 bytes, as in {@code BuiltInPartitioner.partitionForKey}).
   */
  public static int partitionFor(String modelId, int partitions) {
    byte[] key = modelId.getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }

  private ProducerRecord<byte[], byte[]> record(int partition, String key, byte[] value) {
    return new ProducerRecord<>(topic, partition, key.getBytes(StandardCharsets.UTF_8), value);
  }
}
