package io.dpstream.snapshot;

import io.dpstream.avro.Sha256;
import io.dpstream.avro.SnapshotChunk;
import io.dpstream.avro.SnapshotManifest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot cut for the wire: its single-object encoding split into slices of at most {@code
 * chunkBytes} bytes (the last one shorter, never empty), each in a {@link SnapshotChunk}, and the
 * {@link SnapshotManifest} that commits them. Pure: no Kafka here.
 *
 * @param manifest the commit record, naming the chunk count, the total size and the SHA-256 of
 *     the whole encoding
 * @param chunks the slices in index order
 */
record ChunkedSnapshot(SnapshotManifest manifest, List<SnapshotChunk> chunks) {

  /** The largest slice that keeps a chunk record under the broker's default 1 MB message limit. */
  static final int MAX_CHUNK_BYTES = 1_000_000;

  /**
   * Cuts {@code snapshot} into chunks of at most {@code chunkBytes} payload bytes.
   *
   * @throws IllegalArgumentException if {@code chunkBytes} is not in [1, {@value
   *     #MAX_CHUNK_BYTES}]
   */
  static ChunkedSnapshot of(ModelSnapshot snapshot, int chunkBytes) {
    if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunkBytes must be in [1, " + MAX_CHUNK_BYTES + "], got " + chunkBytes);
    }
    byte[] encoded = SnapshotCodec.encode(snapshot);
    // The encoding is never empty (it starts with the single-object header), so count >= 1.
    int count = (int) ((encoded.length + (long) chunkBytes - 1) / chunkBytes);
    Sha256 sha = new Sha256(ModelSnapshot.sha256(ByteBuffer.wrap(encoded)));
    List<SnapshotChunk> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      int len = Math.min(chunkBytes, encoded.length - from);
      chunks.add(
          SnapshotChunk.newBuilder()
              .setModelId(snapshot.modelId())
              .setVersion(snapshot.version())
              .setIndex(i)
              .setCount(count)
              .setTotalSize(encoded.length)
              .setSha256(sha)
              .setPayload(ByteBuffer.wrap(encoded, from, len).slice())
              .build());
    }
    SnapshotManifest manifest =
        SnapshotManifest.newBuilder()
            .setModelId(snapshot.modelId())
            .setVersion(snapshot.version())
            .setStep(snapshot.step())
            .setChunkCount(count)
            .setTotalSize(encoded.length)
            .setSha256(sha)
            .build();
    return new ChunkedSnapshot(manifest, List.copyOf(chunks));
  }
}
