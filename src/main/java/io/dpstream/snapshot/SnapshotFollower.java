package io.dpstream.snapshot;

import io.dpstream.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the snapshot topic and always holds the newest complete, verified snapshot of one
 * model: what serving code embeds (DESIGN.md §3, step 8).
 *
 * <p>A background thread reads every partition of the topic from the beginning with {@code
 * isolation.level=read_committed} and no consumer group (each follower reads the whole compacted
 * topic; it commits nothing), and feeds the records to a {@link SnapshotAssembler}. Guarantees:
 *
 * <ul>
 *   <li>{@link #latest()} is empty or a snapshot whose chunks were all present and whose encoding
 *       and parameters matched their SHA-256: never a partial or corrupt one;
 *   <li>the version of {@link #latest()} never decreases;
 *   <li>memory for incomplete snapshots is bounded by one version of at most {@code
 *       maxSnapshotBytes} encoded bytes (plus the snapshot held).
 * </ul>
 *
 * <p>If the topic does not exist yet the follower waits for it. Partitions added after the
 * follower found the topic are not read: a model's records all live on one partition anyway.
 */
public final class SnapshotFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotFollower.class);

  /** Default cap on one encoded snapshot: 1 GiB. */
  public static final long DEFAULT_MAX_SNAPSHOT_BYTES = 1L << 30;

  private static final Duration POLL = Duration.ofMillis(200);

  private final String topic;
  private final String modelId;
  private final SnapshotAssembler assembler;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final List<Consumer<ModelSnapshot>> listeners = new CopyOnWriteArrayList<>();
  private final Object monitor = new Object();

  private volatile ModelSnapshot latest;
  private volatile boolean closed;
  private volatile boolean caughtUp;
  private volatile long rejectedVersions;
  private volatile long malformedRecords;
  private Map<TopicPartition, Long> endAtStart;

  private SnapshotFollower(
      Properties clientProperties, String topic, String modelId, long maxSnapshotBytes) {
    Object bootstrap = clientProperties.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
    if (bootstrap == null || bootstrap.toString().isBlank()) {
      throw new IllegalArgumentException("bootstrap.servers is blank");
    }
    if (topic == null || topic.isBlank()) throw new IllegalArgumentException("topic is blank");
    this.topic = topic;
    this.modelId = modelId;
    this.assembler = new SnapshotAssembler(modelId, maxSnapshotBytes);
    Properties props = new Properties();
    props.putAll(clientProperties);
    // What the guarantees rest on, whatever the caller passed:
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    // A position that falls off the log start must restart from the beginning, never the end.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "dpstream-snapshot-follower-" + modelId);
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "snapshot-follower-" + modelId);
    thread.setDaemon(true);
  }

  /** Starts following {@code modelId} on {@link Topics#MODEL_SNAPSHOTS}. */
  public static SnapshotFollower start(String bootstrapServers, String modelId) {
    return start(bootstrapServers, Topics.MODEL_SNAPSHOTS, modelId, DEFAULT_MAX_SNAPSHOT_BYTES);
  }

  /**
   * Starts following {@code modelId} on {@code topic}.
   *
   * @param maxSnapshotBytes largest encoded snapshot accepted; larger versions are rejected
   * @throws IllegalArgumentException naming a bad argument
   */
  public static SnapshotFollower start(
      String bootstrapServers, String topic, String modelId, long maxSnapshotBytes) {
    Properties props = new Properties();
    if (bootstrapServers != null) {
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }
    return start(props, topic, modelId, maxSnapshotBytes);
  }

  /**
   * Starts following {@code modelId} on {@code topic} with consumer settings of the caller's
   * (bootstrap servers, security, timeouts). The follower overrides {@code isolation.level}
   * (read_committed), {@code enable.auto.commit} (false), {@code auto.offset.reset} (earliest)
   * and {@code group.id} (none).
   *
   * @throws IllegalArgumentException naming a bad argument
   */
  public static SnapshotFollower start(
      Properties consumerProperties, String topic, String modelId, long maxSnapshotBytes) {
    SnapshotFollower f =
        new SnapshotFollower(consumerProperties, topic, modelId, maxSnapshotBytes);
    f.thread.start();
    return f;
  }

  /** The newest complete and verified snapshot read so far. */
  public Optional<ModelSnapshot> latest() {
    return Optional.ofNullable(latest);
  }

  /**
   * Registers a listener. It is called at once with the current snapshot if there is one, then
   * with every newer snapshot, one call at a time and in increasing version order, on the
   * follower's thread (a slow listener delays following; exceptions are logged and ignored).
   */
  public void addListener(Consumer<ModelSnapshot> listener) {
    synchronized (monitor) {
      listeners.add(listener);
      if (latest != null) notifyOne(listener, latest);
    }
  }

  /**
   * Waits until a snapshot of at least {@code minVersion} is held.
   *
   * @return it, or empty after {@code timeout} or if the follower was closed
   */
  public Optional<ModelSnapshot> awaitVersion(long minVersion, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!closed && (latest == null || latest.version() < minVersion)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) break;
        monitor.wait(Math.max(1, left / 1_000_000));
      }
      return latest != null && latest.version() >= minVersion
          ? Optional.of(latest)
          : Optional.empty();
    }
  }

  /**
   * Waits until the follower has read the topic up to where its committed records ended when the
   * follower found it; then {@link #latest()} is the newest snapshot published before that.
   *
   * @return whether it caught up within {@code timeout}
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!closed && !caughtUp) {
        long left = deadline - System.nanoTime();
        if (left <= 0) break;
        monitor.wait(Math.max(1, left / 1_000_000));
      }
      return caughtUp;
    }
  }

  /** The model this follower follows. */
  public String modelId() {
    return modelId;
  }

  /** Versions seen whose chunks were missing, inconsistent or corrupt, and were not exposed. */
  public long rejectedVersions() {
    return rejectedVersions;
  }

  /** Records of this model that could not be decoded (skipped). */
  public long malformedRecords() {
    return malformedRecords;
  }

  /**
   * Whether the follower is following: its thread runs and {@link #close} was not called. It
   * stays true while the topic is missing or the brokers are unreachable (it keeps retrying).
   */
  public boolean running() {
    return !closed && thread.isAlive();
  }

  /** Stops the background thread and closes the consumer; waits up to 10 s for the thread. */
  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  private void run() {
    try {
      while (!closed) {
        try {
          if (consumer.assignment().isEmpty() && !assign()) {
            Thread.sleep(500);
            continue;
          }
          for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
            assembler.offer(r.key(), r.value()).ifPresent(this::expose);
          }
          rejectedVersions = assembler.rejectedVersions();
          malformedRecords = assembler.malformedRecords();
          if (!caughtUp) checkCaughtUp();
        } catch (WakeupException | InterruptException e) {
          if (!closed) log.warn("snapshot follower woken up unexpectedly", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (closed) break;
          log.error("snapshot follower of {} on {} failed; retrying in 1 s", modelId, topic, e);
          Thread.sleep(1000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private boolean assign() {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
    if (infos == null || infos.isEmpty()) {
      log.debug("topic {} not found yet; waiting", topic);
      return false;
    }
    List<TopicPartition> parts =
        infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    // With read_committed, end offsets are the last stable offsets: what was committed.
    endAtStart = consumer.endOffsets(parts);
    log.info("following model {} on {} ({} partitions)", modelId, topic, parts.size());
    return true;
  }

  private void checkCaughtUp() {
    for (var e : endAtStart.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) return;
    }
    synchronized (monitor) {
      caughtUp = true;
      monitor.notifyAll();
    }
  }

  private void expose(ModelSnapshot s) {
    synchronized (monitor) {
      latest = s;
      monitor.notifyAll();
      log.info("model {} now at version {} (step {})", modelId, s.version(), s.step());
      for (Consumer<ModelSnapshot> l : listeners) notifyOne(l, s);
    }
  }

  private void notifyOne(Consumer<ModelSnapshot> listener, ModelSnapshot s) {
    try {
      listener.accept(s);
    } catch (RuntimeException e) {
      log.error("snapshot listener failed on {} version {}", modelId, s.version(), e);
    }
  }
}
