package io.dpstream.snapshot;

/**
 * Record keys on {@code model-snapshots}. The manifest of a model is keyed by the bare model id
 * (the topic's documented key); its chunks by {@code <modelId>/chunk-<index>}. Model ids cannot
 * contain {@code '/'} (see {@link ModelSnapshot#requireValidModelId}), so the two key spaces never
 * collide, and compaction keeps, per model, the newest manifest and the newest chunk at each index.
 */
public final class SnapshotKeys {
  private static final String CHUNK_INFIX = "/chunk-";

  private SnapshotKeys() {}

  /** The key of a model's manifest: the model id itself. */
  public static String manifestKey(String modelId) {
    return modelId;
  }

  /** The key of chunk {@code index} of a model's snapshots. */
  public static String chunkKey(String modelId, int index) {
    return modelId + CHUNK_INFIX + index;
  }

  /**
   * The chunk index named by {@code key} if it is a chunk key of {@code modelId}, else -1 (also
   * for keys that are malformed).
   */
  static int chunkIndex(String key, String modelId) {
    if (key == null
        || key.length() <= modelId.length() + CHUNK_INFIX.length()
        || !key.startsWith(modelId)
        || !key.startsWith(CHUNK_INFIX, modelId.length())) {
      return -1;
    }
    String digits = key.substring(modelId.length() + CHUNK_INFIX.length());
    if (digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) return -1;
    return Integer.parseInt(digits);
  }
}
