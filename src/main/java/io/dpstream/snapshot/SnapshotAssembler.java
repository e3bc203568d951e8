package io.dpstream.snapshot;

import io.dpstream.avro.SnapshotChunk;
import io.dpstream.avro.SnapshotManifest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds one model's snapshots from the records of {@code model-snapshots}, read in offset
 * order: the chunks of a version, then its manifest (see {@link SnapshotPublisher} for the
 * scheme). Pure and single-threaded: {@link SnapshotFollower} feeds it from a Kafka consumer.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #offer} returns a snapshot only when a manifest arrives whose chunks are all
 *       present, agree with it (count, total size, SHA-256 of the whole encoding), and decode to
 *       a snapshot of this model and version whose parameters match their own SHA-256. Anything
 *       else is never returned: a partial or corrupt version is rejected and counted.
 *   <li>Returned versions strictly increase: a manifest at or below the current version is
 *       ignored.
 *   <li>Memory: at most one pending (incomplete) version is held; a chunk of a newer version
 *       discards it (the publisher writes a version's chunks and manifest before the next
 *       version's chunks, and compaction preserves that order). Pending payload bytes never
 *       exceed the version's declared total size, which must not exceed {@code
 *       maxSnapshotBytes}.
 *   <li>Within the pending version, chunks may arrive in any order; a repeated index replaces the
 *       earlier payload (the manifest's SHA-256 decides whether the result is right).
 * </ul>
 */
public final class SnapshotAssembler {
  private static final Logger log = LoggerFactory.getLogger(SnapshotAssembler.class);

  private final String modelId;
  private final long maxSnapshotBytes;

  private long currentVersion;
  private Pending pending;
  private long rejectedVersions;
  private long malformedRecords;
  private long oversizedVersion = -1;

  /**
   * @param modelId the model to assemble; records of other models are ignored
   * @param maxSnapshotBytes largest encoded snapshot accepted, in bytes, in [1, {@link
   *     Integer#MAX_VALUE} - 8]
   */
  public SnapshotAssembler(String modelId, long maxSnapshotBytes) {
    ModelSnapshot.requireValidModelId(modelId);
    if (maxSnapshotBytes < 1 || maxSnapshotBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "maxSnapshotBytes must be in [1, " + (Integer.MAX_VALUE - 8) + "], got "
              + maxSnapshotBytes);
    }
    this.modelId = modelId;
    this.maxSnapshotBytes = maxSnapshotBytes;
  }

  /**
   * Takes the next record of the topic (in offset order within its partition).
   *
   * @param key the record key; records whose key is neither this model's manifest key nor one of
   *     its chunk keys are ignored
   * @param value the record value; null (a tombstone) is ignored
   * @return the snapshot this record completed, if it completed a newer verified version
   */
  public Optional<ModelSnapshot> offer(String key, byte[] value) {
    if (key == null || value == null) return Optional.empty();
    if (key.equals(SnapshotKeys.manifestKey(modelId))) {
      SnapshotManifest manifest;
      try {
        manifest = SnapshotCodec.decodeManifest(value);
      } catch (IllegalArgumentException e) {
        malformed(key, e.getMessage());
        return Optional.empty();
      }
      return onManifest(manifest);
    }
    int index = SnapshotKeys.chunkIndex(key, modelId);
    if (index < 0) return Optional.empty();
    SnapshotChunk chunk;
    try {
      chunk = SnapshotCodec.decodeChunk(value);
    } catch (IllegalArgumentException e) {
      malformed(key, e.getMessage());
      return Optional.empty();
    }
    onChunk(key, index, chunk);
    return Optional.empty();
  }

  /** The newest version returned so far, 0 before the first. */
  public long currentVersion() {
    return currentVersion;
  }

  /** Payload bytes held for the pending (incomplete) version. */
  public long pendingBytes() {
    return pending == null ? 0 : pending.bytes;
  }

  /** Versions whose manifest arrived but which were incomplete, inconsistent or corrupt. */
  public long rejectedVersions() {
    return rejectedVersions;
  }

  /** Records of this model that could not be decoded or contradicted their key or version. */
  public long malformedRecords() {
    return malformedRecords;
  }

  private void onChunk(String key, int index, SnapshotChunk c) {
    long version = c.getVersion();
    if (!modelId.equals(c.getModelId()) || c.getIndex() != index) {
      malformed(key, "chunk names model " + c.getModelId() + " index " + c.getIndex());
      return;
    }
    if (version <= currentVersion) return;
    if (pending != null && version < pending.version) return;
    int count = c.getCount();
    long total = c.getTotalSize();
    int len = c.getPayload().remaining();
    if (total > maxSnapshotBytes) {
      malformedRecords++;
      if (version != oversizedVersion) {
        oversizedVersion = version;
        log.warn("ignoring version {} of {}: {} bytes exceed the limit of {} bytes", version,
            modelId, total, maxSnapshotBytes);
      }
      return;
    }
    if (count < 1 || index >= count || total < 1 || len < 1 || len > total) {
      malformed(
          key,
          "chunk " + index + " of version " + version + " declares count " + count
              + " and total size " + total + " with a payload of " + len + " bytes");
      return;
    }
    if (pending == null || version > pending.version) {
      if (pending != null) {
        log.debug("dropping incomplete version {} of {}: version {} follows", pending.version,
            modelId, version);
      }
      pending = new Pending(version, count, total, c.getSha256().bytes());
    } else if (!pending.sameHeader(count, total, c.getSha256().bytes())) {
      malformed(key, "chunk " + index + " of version " + version + " disagrees with its siblings");
      return;
    }
    byte[] payload = new byte[len];
    c.getPayload().duplicate().get(payload);
    byte[] previous = pending.payloads.get(index);
    long after = pending.bytes - (previous == null ? 0 : previous.length) + len;
    if (after > total) {
      malformed(key, "chunks of version " + version + " exceed the declared " + total + " bytes");
      return;
    }
    pending.payloads.put(index, payload);
    pending.bytes = after;
  }

  private Optional<ModelSnapshot> onManifest(SnapshotManifest m) {
    long version = m.getVersion();
    if (!modelId.equals(m.getModelId())) {
      malformed(SnapshotKeys.manifestKey(modelId), "manifest names model " + m.getModelId());
      return Optional.empty();
    }
    if (version <= currentVersion) return Optional.empty();
    Pending p = pending;
    if (p == null || p.version != version) {
      return reject(version, "no chunks of this version were read (only of version "
          + (p == null ? "none" : p.version) + ")");
    }
    pending = null;
    if (!p.sameHeader(m.getChunkCount(), m.getTotalSize(), m.getSha256().bytes())) {
      return reject(version, "its chunks disagree with the manifest on count, size or SHA-256");
    }
    if (p.payloads.size() != p.count) {
      return reject(version, "only " + p.payloads.size() + " of " + p.count + " chunks present");
    }
    if (p.bytes != p.total) {
      return reject(version, "chunks hold " + p.bytes + " bytes, manifest declares " + p.total);
    }
    byte[] whole = new byte[(int) p.total];
    int at = 0;
    for (int i = 0; i < p.count; i++) {
      byte[] part = p.payloads.get(i);
      System.arraycopy(part, 0, whole, at, part.length);
      at += part.length;
    }
    p.payloads.clear();
    if (!Arrays.equals(ModelSnapshot.sha256(ByteBuffer.wrap(whole)), p.sha256)) {
      return reject(version, "SHA-256 of the reassembled chunks does not match the manifest");
    }
    ModelSnapshot snapshot;
    try {
      snapshot = SnapshotCodec.decode(whole);
    } catch (IllegalArgumentException e) {
      return reject(version, e.getMessage());
    }
    if (!snapshot.modelId().equals(modelId) || snapshot.version() != version) {
      return reject(version, "its content is " + snapshot.modelId() + " version "
          + snapshot.version());
    }
    currentVersion = version;
    return Optional.of(snapshot);
  }

  private Optional<ModelSnapshot> reject(long version, String why) {
    rejectedVersions++;
    log.warn("rejected snapshot {} version {}: {}", modelId, version, why);
    return Optional.empty();
  }

  private void malformed(String key, String why) {
    malformedRecords++;
    log.warn("ignored malformed record {} on the snapshot topic: {}", key, why);
  }

  /** The chunks read so far of one version; payloads by index, so memory follows what arrived. */
  private static final class Pending {
    final long version;
    final int count;
    final long total;
    final byte[] sha256;
    final Map<Integer, byte[]> payloads = new HashMap<>();
    long bytes;

    Pending(long version, int count, long total, byte[] sha256) {
      this.version = version;
      this.count = count;
      this.total = total;
      this.sha256 = sha256;
    }

    boolean sameHeader(int count, long total, byte[] sha256) {
      return this.count == count && this.total == total && Arrays.equals(this.sha256, sha256);
    }
  }
}
