package io.dpstream.snapshot;

import io.dpstream.avro.Sha256;
import io.dpstream.avro.SnapshotChunk;
import io.dpstream.avro.SnapshotManifest;
import io.dpstream.avro.TrustedAvroTypes;
import io.dpstream.privacy.AccountantKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Converts snapshots and the records that carry them on {@code model-snapshots} to and from Avro
 * single-object encoding ({@code schemas/ModelSnapshot.avsc}, {@code SnapshotChunk.avsc}, {@code
 * SnapshotManifest.avsc}). Decoders throw {@link IllegalArgumentException} for bytes that are not
 * what they claim to be; they never return a partially filled value.
 */
public final class SnapshotCodec {
  static {
    TrustedAvroTypes.install();
  }

  private SnapshotCodec() {}

  /** The single-object encoding of {@code snapshot}. */
  public static byte[] encode(ModelSnapshot snapshot) {
    PrivacyStatement p = snapshot.privacy();
    io.dpstream.avro.ModelSnapshot avro =
        io.dpstream.avro.ModelSnapshot.newBuilder()
            .setModelId(snapshot.modelId())
            .setVersion(snapshot.version())
            .setStep(snapshot.step())
            .setTime(snapshot.time())
            .setModelSpec(snapshot.modelSpec())
            .setParameters(snapshot.parameters())
            .setPrivacy(
                io.dpstream.avro.PrivacyStatement.newBuilder()
                    .setEpsilonCap(p.epsilonCap())
                    .setDelta(p.delta())
                    .setAccountant(p.accountant().id())
                    .setNoiseMultiplier(p.noiseMultiplier())
                    .setSamplingRate(p.samplingRate())
                    .setClipNorm(p.clipNorm())
                    .setSteps(p.steps())
                    .build())
            .setParametersSha256(new Sha256(HexFormat.of().parseHex(snapshot.parametersSha256())))
            .build();
    try {
      return toArray(avro.toByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws IllegalArgumentException if the bytes are not a ModelSnapshot, a field is invalid, or
   *     the parameters do not match their SHA-256
   */
  public static ModelSnapshot decode(byte[] bytes) {
    io.dpstream.avro.ModelSnapshot avro;
    try {
      avro = io.dpstream.avro.ModelSnapshot.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a ModelSnapshot: " + e, e);
    }
    io.dpstream.avro.PrivacyStatement p = avro.getPrivacy();
    return new ModelSnapshot(
        avro.getModelId(),
        avro.getVersion(),
        avro.getStep(),
        avro.getTime(),
        avro.getModelSpec(),
        avro.getParameters(),
        new PrivacyStatement(
            p.getEpsilonCap(),
            p.getDelta(),
            AccountantKind.parse(p.getAccountant()),
            p.getNoiseMultiplier(),
            p.getSamplingRate(),
            p.getClipNorm(),
            p.getSteps()),
        HexFormat.of().formatHex(avro.getParametersSha256().bytes()));
  }

  static byte[] encodeChunk(SnapshotChunk chunk) {
    try {
      return toArray(chunk.toByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SnapshotChunk decodeChunk(byte[] bytes) {
    try {
      return SnapshotChunk.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a SnapshotChunk: " + e, e);
    }
  }

  static byte[] encodeManifest(SnapshotManifest manifest) {
    try {
      return toArray(manifest.toByteBuffer());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SnapshotManifest decodeManifest(byte[] bytes) {
    try {
      return SnapshotManifest.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a SnapshotManifest: " + e, e);
    }
  }

  private static byte[] toArray(ByteBuffer buf) {
    byte[] out = new byte[buf.remaining()];
    buf.get(out);
    return out;
  }
}
