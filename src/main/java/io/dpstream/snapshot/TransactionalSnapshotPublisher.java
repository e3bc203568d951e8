package io.dpstream.snapshot;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes snapshots with a transactional producer of its own: one Kafka transaction per
 * snapshot, so a version is visible to {@code read_committed} readers whole or not at all. For
 * tools and tests; the trainer instead sends {@link SnapshotPublisher#records} inside its own
 * transaction. Not thread-safe: one publishing thread.
 */
public final class TransactionalSnapshotPublisher implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final SnapshotPublisher publisher;

  /**
   * Connects and initialises the transactions of {@code transactionalId} (fencing any earlier
   * producer with that id).
   *
   * @param bootstrapServers the Kafka cluster
   * @param transactionalId this publisher's transactional id; one per publishing process
   * @param topic the snapshot topic, which must exist (see {@link SnapshotTopic})
   * @param chunkBytes largest payload per chunk record, see {@link SnapshotPublisher}
   */
  public TransactionalSnapshotPublisher(
      String bootstrapServers, String transactionalId, String topic, int chunkBytes) {
    this(bootstrapOnly(bootstrapServers), transactionalId, topic, chunkBytes);
  }

  /**
   * As above, with producer settings of the caller's (bootstrap servers, security, timeouts); the
   * publisher sets {@code transactional.id}, idempotence and {@code acks=all}.
   */
  public TransactionalSnapshotPublisher(
      Properties producerProperties, String transactionalId, String topic, int chunkBytes) {
    if (transactionalId == null || transactionalId.isBlank()) {
      throw new IllegalArgumentException("transactionalId is blank");
    }
    Properties props = new Properties();
    props.putAll(producerProperties);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    try {
      producer.initTransactions();
      int partitions = producer.partitionsFor(topic).size();
      publisher = new SnapshotPublisher(topic, partitions, chunkBytes);
    } catch (RuntimeException e) {
      producer.close();
      throw e;
    }
  }

  private static Properties bootstrapOnly(String bootstrapServers) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers is blank");
    }
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }

  /**
   * Publishes {@code snapshot} in one transaction and waits for the commit.
   *
   * @throws KafkaException if the transaction failed (it was aborted, nothing became visible);
   *     after a {@link ProducerFencedException} this publisher is unusable
   */
  public void publish(ModelSnapshot snapshot) {
    var records = publisher.records(snapshot);
    producer.beginTransaction();
    try {
      for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
      producer.commitTransaction();
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
      throw e; // fatal: the producer can only be closed
    } catch (KafkaException e) {
      producer.abortTransaction();
      throw e;
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
