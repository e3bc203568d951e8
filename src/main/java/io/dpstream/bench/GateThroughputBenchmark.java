package io.dpstream.bench;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.GateObserver;
import io.dpstream.metrics.StepClosed;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.stream.GateMessages;
import io.dpstream.stream.GateRunner;
import io.dpstream.stream.GateStreamsConfig;
import io.dpstream.stream.GateTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * Gate throughput against its ceiling, measured side by side on one embedded broker: a Kafka
 * Streams pass-through (byte arrays in and out, exactly_once_v2, one thread) and the gate (same
 * guarantee, one thread), each over the same N records in a one-partition topic, timed from
 * RUNNING until the application's committed input offset reaches N. Then one more record closes a
 * count-triggered step over every pooled user (N distinct users by default), timed both inside the
 * processor and until its marker is committed.
 *
 * <p>Each phase also reports the process's CPU time per record (every thread: the stream thread,
 * its producer, the in-process broker, GC), a figure that other processes' load on the machine
 * disturbs far less than the wall-clock rates.
 *
 * <p>The step cap is fixed ({@link BudgetPolicy#withStepCap}) so that the figure measures the gate,
 * not the accountant. With the default cap the close charges every pooled user and writes nothing
 * per user; with a cap of 1 it exhausts every pooled user at once (a ledger write and entry, an
 * alert and a pool release each), the close that made the sustained-load run's gate lag.
 */
public final class GateThroughputBenchmark {
  private static final String PASS_IN = "bench-passthrough-in";
  private static final String PASS_OUT = "bench-passthrough-out";

  /** Figures of one run; rates in records per second, times in seconds. */
  public record Result(
      long records,
      int features,
      long users,
      double gateRecordsPerSecond,
      double passthroughRecordsPerSecond,
      double gateCpuMicrosPerRecord,
      double passthroughCpuMicrosPerRecord,
      double stepCloseSeconds,
      double stepCloseCpuSeconds,
      double stepCloseCommittedSeconds,
      long pooledUsers,
      long usersExhausted) {
    public double ratio() {
      return gateRecordsPerSecond / passthroughRecordsPerSecond;
    }

    /** Pass-through CPU per record over the gate's: the throughput ratio CPU-bound runs would show. */
    public double cpuRatio() {
      return passthroughCpuMicrosPerRecord / gateCpuMicrosPerRecord;
    }
  }

  private GateThroughputBenchmark() {}

  /**
   * @param records N, at least 1
   * @param features dense features per record, at least 1
   * @param users distinct users the records cycle through, in [1, records]
   * @param progress where to report phases (stderr), or null
   */
  public static Result run(long records, int features, long users, java.io.PrintStream progress) throws Exception {
    return run(records, features, users, DEFAULT_STEP_CAP, progress);
  }

  /** The default step cap: no user of a run exhausts their budget. */
  public static final long DEFAULT_STEP_CAP = 1000;

  /**
   * @param stepCap the budget policy's cap in steps, at least 1: 1 makes the close exhaust every
   *     pooled user
   */
  public static Result run(long records, int features, long users, long stepCap, java.io.PrintStream progress)
      throws Exception {
    if (stepCap < 1) throw new IllegalArgumentException("--step-cap must be >= 1");
    if (records < 1) throw new IllegalArgumentException("--records must be >= 1");
    if (features < 1) throw new IllegalArgumentException("--features must be >= 1");
    if (users < 1 || users > records) throw new IllegalArgumentException("--users must be in [1, records]");
    Path work = Files.createTempDirectory("dpstream-bench-");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      Map<String, String> s = new HashMap<>();
      s.put("kafka.bootstrapServers", bs);
      s.put("topics.partitions", "1");
      s.put("topics.ledgerPartitions", "1");
      s.put("gate.featureCount", String.valueOf(features));
      s.put("gate.labelClasses", "10");
      s.put("gate.stepTrigger", "count");
      s.put("gate.stepRecords", String.valueOf(records + 1));
      s.put("gate.stateDir", work.resolve("gate").toString());
      s.put("gate.applicationId", "bench-gate");
      DpstreamConfig config = DpstreamConfig.of(s);
      TopicProvisioner.ensureTopics(config);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        admin.createTopics(List.of(new NewTopic(PASS_IN, 1, (short) 1), new NewTopic(PASS_OUT, 1, (short) 1)))
            .all().get();
      }
      say(progress, "producing " + records + " records of " + features + " features to both input topics");
      produce(bs, records, features, users);

      say(progress, "pass-through");
      Rate pass = timeToConsume(bs, passThrough(), passThroughProps(config, work), "bench-passthrough", PASS_IN, records);

      say(progress, "gate");
      AtomicReference<StepClosed> closed = new AtomicReference<>();
      // The stream thread's CPU time, so that the close is also measured free of other load.
      java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
      java.util.concurrent.atomic.AtomicLong streamThread = new java.util.concurrent.atomic.AtomicLong(-1);
      java.util.concurrent.atomic.AtomicLong cpuAtClose = new java.util.concurrent.atomic.AtomicLong();
      GateObserver observer =
          new GateObserver() {
            @Override public void admitted() {
              streamThread.set(Thread.currentThread().getId());
            }
            @Override public void droppedForBudget() {}
            @Override public void deadLettered(String reason) {}
            @Override public void stepClosed(StepClosed step) {
              cpuAtClose.set(threads.getCurrentThreadCpuTime());
              closed.set(step);
            }
          };
      Topology gate =
          GateTopology.buildTopology(
              config, BudgetPolicy.withStepCap(config.privacy().policy(), stepCap), observer, SecureRandom::new);
      Properties gateProps = GateStreamsConfig.properties(config);
      KafkaStreams gateStreams = new KafkaStreams(gate, gateProps);
      Rate gateRate;
      double commitSeconds;
      long cpuBefore;
      try {
        gateRate = timeToConsume(bs, gateStreams, "bench-gate", Topics.TRAINING_RECORDS, records);
        say(progress, "closing one step over the pooled users");
        try (var markers = markerReader(bs)) {
          cpuBefore = threads.getThreadCpuTime(streamThread.get());
          long t0 = System.nanoTime();
          produceOne(bs, "bench-closer", features);
          waitForMarker(markers);
          commitSeconds = (System.nanoTime() - t0) / 1e9;
        }
      } finally {
        gateStreams.close(
            org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      }
      StepClosed step = closed.get();
      return new Result(
          records, features, users, gateRate.recordsPerSecond(), pass.recordsPerSecond(),
          gateRate.cpuMicrosPerRecord(), pass.cpuMicrosPerRecord(), step.closeSeconds(),
          (cpuAtClose.get() - cpuBefore) / 1e9, commitSeconds, step.usersPooled(), step.usersExhausted());
    } finally {
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // temporary
      }
    }
  }

  private static void say(java.io.PrintStream progress, String what) {
    if (progress != null) progress.println("bench gate: " + what);
  }

  private static Topology passThrough() {
    Topology t = new Topology();
    t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), PASS_IN);
    t.addSink("out", PASS_OUT, new ByteArraySerializer(), new ByteArraySerializer(), "in");
    return t;
  }

  private static Properties passThroughProps(DpstreamConfig config, Path work) {
    Properties p = GateStreamsConfig.properties(config);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-passthrough");
    p.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("passthrough").toString());
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    return p;
  }

  /** A phase's throughput and the process's CPU time per record during it. */
  private record Rate(double recordsPerSecond, double cpuMicrosPerRecord) {}

  private static Rate timeToConsume(
      String bs, Topology topology, Properties props, String group, String topic, long records) throws Exception {
    KafkaStreams streams = new KafkaStreams(topology, props);
    try {
      return timeToConsume(bs, streams, group, topic, records);
    } finally {
      streams.close(
          org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
              org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
  }

  /** Starts {@code streams}, then times it from RUNNING until its committed offset reaches N. */
  private static Rate timeToConsume(String bs, KafkaStreams streams, String group, String topic, long records)
      throws Exception {
    streams.start();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR) throw new IllegalStateException(group + " failed");
      Thread.sleep(5);
    }
    long t0 = System.nanoTime();
    long cpu0 = processCpuNanos();
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
      while (true) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        OffsetAndMetadata o = offsets.get(tp);
        if (o != null && o.offset() >= records) break;
        if (streams.state() == KafkaStreams.State.ERROR) throw new IllegalStateException(group + " failed");
        Thread.sleep(20);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Rate(records / seconds, (processCpuNanos() - cpu0) / 1e3 / records);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void produce(String bs, long records, int features, long users) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    SplittableRandom rnd = new SplittableRandom(42);
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Float> f = new ArrayList<>(features);
      for (int j = 0; j < features; j++) f.add(0f);
      for (long i = 0; i < records; i++) {
        String user = "user-" + (i % users);
        for (int j = 0; j < features; j++) f.set(j, (float) rnd.nextGaussian());
        byte[] value = encode(record(user, f, (int) (i % 10)));
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(Topics.TRAINING_RECORDS, key, value));
        producer.send(new ProducerRecord<>(PASS_IN, key, value));
      }
      producer.flush();
    }
  }

  private static void produceOne(String bs, String user, int features) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Float> f = new ArrayList<>();
      for (int j = 0; j < features; j++) f.add(1f);
      producer.send(new ProducerRecord<>(Topics.TRAINING_RECORDS, user.getBytes(StandardCharsets.UTF_8), encode(record(user, f, 1)))).get();
    }
  }

  private static TrainingRecord record(String user, List<Float> features, int label) {
    return TrainingRecord.newBuilder()
        .setUserId(user)
        .setEventTime(Instant.now())
        .setFeatures(features)
        .setLabel(label)
        .build();
  }

  private static byte[] encode(TrainingRecord r) {
    try {
      ByteBuffer b = r.toByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static KafkaConsumer<byte[], byte[]> markerReader(String bs) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    var c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(Topics.STEP_CONTRIBUTIONS, 0);
    c.assign(List.of(tp));
    c.seekToEnd(List.of(tp));
    c.position(tp);
    return c;
  }

  private static void waitForMarker(KafkaConsumer<byte[], byte[]> c) {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      for (var r : c.poll(Duration.ofMillis(100))) {
        StepMessage m = GateMessages.stepMessage(r.value());
        if (m.getBody() instanceof StepMarker) return;
      }
    }
    throw new IllegalStateException("no step marker within 5 minutes");
  }
}
