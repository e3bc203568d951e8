package io.dpstream.snapshot;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One published model: a DP output (DESIGN.md §2, trust boundary). Immutable; an instance always
 * holds parameters that match its SHA-256, so code that receives a {@code ModelSnapshot} never
 * has to check it again.
 *
 * @param modelId 1 to 200 characters from {@code [A-Za-z0-9._-]} (they become Kafka record keys,
 *     see {@link SnapshotPublisher})
 * @param version strictly increasing per model id, at or above 1
 * @param step DP-SGD steps behind these parameters, at or above 0
 * @param time when the trainer made the snapshot, truncated to milliseconds (the wire's precision)
 * @param modelSpec the dp engine's model specification, non-blank
 * @param parameters the dp engine's parameter blob (safetensors), opaque here; copied on
 *     construction, and the accessor returns a read-only view
 * @param privacy the guarantee the parameters carry
 * @param parametersSha256 lower-case hex SHA-256 of the parameters
 * @throws IllegalArgumentException naming the field when a value is invalid, in particular when
 *     {@code parametersSha256} does not match the parameters
 */
public record ModelSnapshot(
    String modelId,
    long version,
    long step,
    Instant time,
    String modelSpec,
    ByteBuffer parameters,
    PrivacyStatement privacy,
    String parametersSha256) {

  private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  public ModelSnapshot {
    requireValidModelId(modelId);
    if (version < 1) {
      throw new IllegalArgumentException("version must be at or above 1, got " + version);
    }
    if (step < 0) {
      throw new IllegalArgumentException("step must be at or above 0, got " + step);
    }
    // The wire keeps milliseconds (Avro timestamp-millis): truncate so that a decoded snapshot
    // equals the one published.
    time = Objects.requireNonNull(time, "time").truncatedTo(ChronoUnit.MILLIS);
    if (modelSpec == null || modelSpec.isBlank()) {
      throw new IllegalArgumentException("modelSpec must not be blank");
    }
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(privacy, "privacy");
    Objects.requireNonNull(parametersSha256, "parametersSha256");
    ByteBuffer copy = ByteBuffer.allocate(parameters.remaining());
    copy.put(parameters.duplicate()).flip();
    String actual = sha256Hex(copy.duplicate());
    if (!actual.equals(parametersSha256)) {
      throw new IllegalArgumentException(
          "parametersSha256 " + parametersSha256 + " does not match the parameters (SHA-256 "
              + actual + ")");
    }
    parameters = copy.asReadOnlyBuffer();
  }

  /** Builds a snapshot and computes the SHA-256 of {@code parameters} (which are copied). */
  public static ModelSnapshot of(
      String modelId,
      long version,
      long step,
      Instant time,
      String modelSpec,
      byte[] parameters,
      PrivacyStatement privacy) {
    ByteBuffer params = ByteBuffer.wrap(parameters);
    return new ModelSnapshot(
        modelId, version, step, time, modelSpec, params, privacy, sha256Hex(params.duplicate()));
  }

  /** A read-only view of the parameters, positioned at 0; each call returns a fresh view. */
  @Override
  public ByteBuffer parameters() {
    return parameters.duplicate();
  }

  /** A copy of the parameters. */
  public byte[] parameterBytes() {
    byte[] out = new byte[parameters.remaining()];
    parameters.duplicate().get(out);
    return out;
  }

  /** Size of the parameters in bytes. */
  public int parametersSize() {
    return parameters.remaining();
  }

  @Override
  public String toString() {
    return "ModelSnapshot[modelId=" + modelId + ", version=" + version + ", step=" + step
        + ", time=" + time + ", modelSpec=" + modelSpec + ", parameters=" + parametersSize()
        + " bytes, sha256=" + parametersSha256 + ", privacy=" + privacy + "]";
  }

  /** Throws IllegalArgumentException unless {@code modelId} is a valid model id. */
  public static void requireValidModelId(String modelId) {
    if (modelId == null || !MODEL_ID.matcher(modelId).matches()) {
      throw new IllegalArgumentException(
          "modelId must be 1 to 200 characters from [A-Za-z0-9._-], got '" + modelId + "'");
    }
  }

  static byte[] sha256(ByteBuffer data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  static String sha256Hex(ByteBuffer data) {
    return HexFormat.of().formatHex(sha256(data));
  }
}
