package io.dpstream.stream;

import io.dpstream.avro.TrainerCheckpoint;
import io.dpstream.avro.TrustedAvroTypes;
import io.dpstream.kafka.Topics;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.snapshot.SnapshotPublisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Trainer checkpoints on the compacted trainer-checkpoints topic. A checkpoint is large (model and
 * optimiser state), so it travels like a snapshot: a {@link ModelSnapshot} whose parameters are the
 * encoded {@link TrainerCheckpoint}, chunked and committed by a manifest, and verified by SHA-256
 * when read back. Written in the same transaction as the input offsets it matches.
 */
final class TrainerCheckpoints {
  private static final long MAX_CHECKPOINT_BYTES = 2_000_000_000L;
  private final SnapshotPublisher publisher =
      new SnapshotPublisher(Topics.TRAINER_CHECKPOINTS, 1, SnapshotPublisher.DEFAULT_CHUNK_BYTES);

  /** The records of one checkpoint, in send order. */
  List<ProducerRecord<byte[], byte[]>> records(
      TrainerCheckpoint checkpoint, String modelSpec, PrivacyStatement privacy) {
    ModelSnapshot envelope =
        ModelSnapshot.of(
            checkpoint.getModelId(),
            Math.max(1, checkpoint.getSteps()),
            checkpoint.getSteps(),
            Instant.now(),
            modelSpec,
            encode(checkpoint),
            privacy);
    return publisher.records(envelope);
  }

  /** The newest committed checkpoint of {@code modelId}, or empty for a fresh start. */
  static Optional<TrainerCheckpoint> newest(
      String bootstrapServers, Map<String, String> clientProperties, String modelId, Duration timeout)
      throws InterruptedException {
    Properties props = new Properties();
    props.putAll(clientProperties);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (SnapshotFollower f =
        SnapshotFollower.start(props, Topics.TRAINER_CHECKPOINTS, modelId, MAX_CHECKPOINT_BYTES)) {
      if (!f.awaitCaughtUp(timeout)) {
        throw new IllegalStateException(
            "could not read " + Topics.TRAINER_CHECKPOINTS + " within " + timeout);
      }
      return f.latest().map(s -> decode(s.parameterBytes()));
    }
  }

  static byte[] encode(TrainerCheckpoint c) {
    try {
      ByteBuffer b = c.toByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TrainerCheckpoint decode(byte[] bytes) {
    TrustedAvroTypes.install();
    try {
      return TrainerCheckpoint.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      throw new IllegalStateException("unreadable trainer checkpoint: " + e.getMessage(), e);
    }
  }
}
