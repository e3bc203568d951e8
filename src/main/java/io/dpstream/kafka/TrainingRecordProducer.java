package io.dpstream.kafka;

import com.google.common.util.concurrent.RateLimiter;
import io.dpstream.avro.TrainingRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes {@link TrainingRecord}s to a topic: key = the user id as UTF-8 bytes, value = the
 * record's Avro single-object encoding ({@link TrainingRecord#toByteBuffer()}, schema fingerprint
 * included). An idempotent producer with {@code acks=all}, so a retried batch is never written
 * twice and an acknowledged record survives the loss of the leader; batched with a short linger
 * and lz4 compression. Any setting may be overridden (TLS, SASL, ...: passed through untouched).
 *
 * <p>Sends are asynchronous. The first failed send is kept and rethrown (as {@link
 * IllegalStateException} with the Kafka error as its cause) by the next {@link #send}, by {@link
 * #flush} or by {@link #sendAll}; nothing is reported lost silently. Not thread-safe.
 */
public final class TrainingRecordProducer implements AutoCloseable {

  private static final AtomicLong INSTANCES = new AtomicLong();

  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private long sent;

  /**
   * @param bootstrapServers the {@code bootstrap.servers} of the cluster
   * @param topic the topic to write, which must exist
   * @param overrides Kafka producer settings applied over the defaults of {@link #config}
   */
  public TrainingRecordProducer(
      String bootstrapServers, String topic, Map<String, String> overrides) {
    this.topic = topic;
    this.producer =
        new KafkaProducer<>(
            config(bootstrapServers, overrides), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The producer settings: idempotent, acks=all, 64 KiB batches, 5 ms linger, lz4, then {@code overrides}. */
  public static Properties config(String bootstrapServers, Map<String, String> overrides) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(64 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // Unique per instance: producers sharing a client id in one JVM clash on their JMX names.
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "dpstream-produce-" + INSTANCES.incrementAndGet());
    p.putAll(overrides);
    return p;
  }

  /** The record key: the user id in UTF-8. */
  public static byte[] key(TrainingRecord record) {
    return record.getUserId().getBytes(StandardCharsets.UTF_8);
  }

  /** The record value: Avro single-object encoding. */
  public static byte[] value(TrainingRecord record) {
    try {
      ByteBuffer buf = record.toByteBuffer();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode a TrainingRecord", e);
    }
  }

  /**
   * Sends one record asynchronously.
   *
   * @throws IllegalStateException if an earlier send failed
   */
  public void send(TrainingRecord record) {
    rethrowFailure();
    producer.send(
        new ProducerRecord<>(topic, key(record), value(record)),
        (metadata, error) -> {
          if (error == null) acknowledged.incrementAndGet();
          else failure.compareAndSet(null, error);
        });
    sent++;
  }

  /**
   * Sends every record of {@code records} as fast as the broker takes them, then flushes.
   *
   * @return the number of records sent, all acknowledged
   * @throws IllegalStateException if a send failed
   */
  public long sendAll(Iterator<TrainingRecord> records) {
    return sendAll(records, Long.MAX_VALUE, null, n -> {}, () -> false);
  }

  /**
   * Sends records from {@code records} until it is exhausted, {@code limit} records were sent, or
   * {@code stop} says so; then flushes.
   *
   * @param recordsPerSecond the most records per second (smoothed by Guava's {@link
   *     RateLimiter}), or null for as fast as the broker takes them
   * @param onSent called with the running count after each send (e.g. a progress bar)
   * @param stop polled before each record; true ends the loop early (e.g. on Ctrl-C)
   * @return the number of records sent by this call, all acknowledged
   * @throws IllegalStateException if a send failed
   */
  public long sendAll(
      Iterator<TrainingRecord> records,
      long limit,
      Double recordsPerSecond,
      LongConsumer onSent,
      BooleanSupplier stop) {
    RateLimiter limiter = recordsPerSecond == null ? null : RateLimiter.create(recordsPerSecond);
    long n = 0;
    while (n < limit && !stop.getAsBoolean() && records.hasNext()) {
      if (limiter != null) limiter.acquire();
      send(records.next());
      n++;
      onSent.accept(n);
    }
    flush();
    return n;
  }

  /**
   * Waits until every record sent so far is acknowledged.
   *
   * @throws IllegalStateException if a send failed
   */
  public void flush() {
    producer.flush();
    rethrowFailure();
  }

  /** Records acknowledged by the broker so far. */
  public long acknowledged() {
    return acknowledged.get();
  }

  /** Records handed to {@link #send} so far. */
  public long sent() {
    return sent;
  }

  private void rethrowFailure() {
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("writing to " + topic + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }

  /**
   * Checks that {@code topic} exists, so that a missing topic or an unreachable cluster is a clear
   * error at once rather than a send blocked for {@code max.block.ms}.
   *
   * @param overrides client settings; those an admin client knows (security, timeouts) are used
   * @throws IllegalArgumentException naming the servers and what to do, when the cluster cannot
   *     be reached within {@code timeout} or the topic does not exist
   */
  public static void requireTopic(
      String bootstrapServers, String topic, Map<String, String> overrides, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    overrides.forEach(
        (k, v) -> {
          if (AdminClientConfig.configNames().contains(k)) p.put(k, v);
        });
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
    Admin admin = Admin.create(p);
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new IllegalArgumentException(
            "topic " + topic + " does not exist on " + bootstrapServers
                + ": create it (dpstream broker creates dpstream's topics) or pass --topic");
      }
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw unreachable(bootstrapServers, timeout);
      }
      throw new IllegalArgumentException(
          "cannot describe topic " + topic + " on " + bootstrapServers + ": "
              + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(bootstrapServers, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking topic " + topic, e);
    } finally {
      admin.close(Duration.ofSeconds(2));
    }
  }

  private static IllegalArgumentException unreachable(String bootstrapServers, Duration timeout) {
    return new IllegalArgumentException(
        "no Kafka broker answered at " + bootstrapServers + " within " + timeout.toSeconds()
            + " s: start one with `dpstream broker`, or check --bootstrap-servers");
  }
}
