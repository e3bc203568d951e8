package io.dpstream.bench;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserContribution;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.kafka.TrainingRecordProducer;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.stream.GateMessages;
import io.dpstream.stream.Pipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Freshness of the published model: for each record, the time from its append to the input topic
 * (training-records, whose timestamps are set to the broker's append time for the run) until a
 * {@link SnapshotFollower} holds the first snapshot that includes the step the record was trained
 * in. Side by side in the same run: the plain Kafka delivery latency of the same records (append
 * until a read_committed consumer of training-records reads them), and the breakdown of freshness
 * into the wait for the record's step to close (append until the gate's marker time) and the rest
 * (close until the snapshot is held).
 *
 * <p>Setting: a steady synthetic stream at a fixed rate, every record its own user, retention one
 * step (each record is eligible in exactly one step), a time-triggered gate, the trainer taking a
 * snapshot every {@code snapshotEverySteps} steps. Records are measured when they were sampled
 * (Poisson, probability q); sampling is independent of timing, so the sampled ones are a fair
 * sample of all. A record admitted in a step the gate skipped (it overran its period on a loaded
 * machine) is never trained and not measured: {@link Result#measured()} then falls below q times
 * {@link Result#produced()}. The map from record to step comes from reading step-contributions (a privileged
 * topic: this is an operator's benchmark), the map from gate step to trainer step from the
 * trainer's step listener.
 */
public final class FreshnessBenchmark {
  private FreshnessBenchmark() {}

  /**
   * What to run.
   *
   * @param recordsPerSecond input rate, > 0
   * @param seconds how long records are produced, > 0
   * @param stepPeriod the gate's step period
   * @param snapshotEverySteps the trainer publishes a snapshot every this many steps, >= 1
   * @param samplingRate q, in (0, 1]
   * @param features dense features per record (the model is mlp:F-16-4)
   */
  public record Setup(
      double recordsPerSecond,
      double seconds,
      Duration stepPeriod,
      int snapshotEverySteps,
      double samplingRate,
      int features) {
    public Setup {
      if (!(recordsPerSecond > 0)) throw new IllegalArgumentException("recordsPerSecond must be > 0");
      if (!(seconds > 0)) throw new IllegalArgumentException("seconds must be > 0");
      if (stepPeriod == null || stepPeriod.toMillis() < 10)
        throw new IllegalArgumentException("stepPeriod must be at least 10ms");
      if (snapshotEverySteps < 1) throw new IllegalArgumentException("snapshotEverySteps must be >= 1");
      if (!(samplingRate > 0 && samplingRate <= 1))
        throw new IllegalArgumentException("samplingRate must be in (0, 1]");
      if (features < 1) throw new IllegalArgumentException("features must be >= 1");
    }
  }

  /** Percentiles in milliseconds. */
  public record Latency(long count, double p50, double p99, double max) {
    static Latency of(Collection<Long> millis) {
      long[] v = millis.stream().mapToLong(Long::longValue).sorted().toArray();
      if (v.length == 0) return new Latency(0, Double.NaN, Double.NaN, Double.NaN);
      return new Latency(v.length, quantile(v, 0.50), quantile(v, 0.99), v[v.length - 1]);
    }

    /** Nearest-rank quantile. */
    private static double quantile(long[] sorted, double p) {
      int rank = (int) Math.ceil(p * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }
  }

  /**
   * Figures of one run.
   *
   * @param produced records appended
   * @param measured sampled records whose snapshot was seen
   * @param freshness append until the first snapshot including the record's step is held
   * @param untilStepClosed append until the gate closed the record's step
   * @param closeToSnapshot step close until that snapshot is held
   * @param kafkaDelivery the baseline: append until a plain consumer reads the record
   */
  public record Result(
      Setup setup,
      long produced,
      long measured,
      Latency freshness,
      Latency untilStepClosed,
      Latency closeToSnapshot,
      Latency kafkaDelivery) {
    /** Median freshness over median plain delivery. */
    public double ratio() {
      return freshness.p50() / kafkaDelivery.p50();
    }
  }

  /** Runs the benchmark on a fresh embedded broker. */
  public static Result run(Setup setup, PrintStream log) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      DpstreamConfig config =
          config(setup).forEmbeddedBroker(broker.bootstrapServers(), broker.dataDir());
      TopicProvisioner.ensureTopics(config);
      appendTimestamps(broker.bootstrapServers());

      Map<String, Long> appended = new ConcurrentHashMap<>();
      Map<String, Long> delivered = new ConcurrentHashMap<>();
      Map<String, Long> sampledAtGateStep = new ConcurrentHashMap<>();
      Map<Long, Long> gateStepClosedAt = new ConcurrentHashMap<>();
      Map<Long, Long> trainerStepOfGateStep = new ConcurrentHashMap<>();
      // snapshot step -> wall time the follower held it (first time only)
      ConcurrentSkipListMap<Long, Long> snapshotHeldAt = new ConcurrentSkipListMap<>();

      Reader contributions =
          Reader.start(
              broker.bootstrapServers(), Topics.STEP_CONTRIBUTIONS, "freshness-contributions",
              r -> {
                StepMessage m = GateMessages.stepMessage(r.value());
                if (m.getBody() instanceof UserContribution c) {
                  sampledAtGateStep.putIfAbsent(c.getUserId(), m.getStep());
                } else if (m.getBody() instanceof StepMarker k) {
                  gateStepClosedAt.putIfAbsent(m.getStep(), k.getClosedAtMillis().toEpochMilli());
                }
              });
      Reader input =
          Reader.start(
              broker.bootstrapServers(), Topics.TRAINING_RECORDS, "freshness-baseline",
              r -> delivered.putIfAbsent(new String(r.key()), System.currentTimeMillis()));
      try (SnapshotFollower follower =
              SnapshotFollower.start(broker.bootstrapServers(), config.trainer().modelId());
          Pipeline pipeline =
              Pipeline.builder(config)
                  .onStep(s -> trainerStepOfGateStep.put(s.gateStep(), s.step()))
                  .start()) {
        follower.addListener(s -> snapshotHeldAt.putIfAbsent(s.step(), System.currentTimeMillis()));
        // Measure the steady state: the gate and the trainer are running once a snapshot is held.
        if (follower.awaitVersion(1, Duration.ofMinutes(3)).isEmpty())
          throw new IllegalStateException("the pipeline published no snapshot within 3 minutes");
        long produced = produce(setup, broker.bootstrapServers(), appended, log);
        long lastAppend = appended.values().stream().mapToLong(Long::longValue).max().orElse(0);
        // Drain: a step closed after the last append (so every record's step has closed) must be
        // trained and snapshotted.
        long drainUntil = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < drainUntil
            && !(delivered.size() >= produced
                && snapshottedAfter(lastAppend, setup.stepPeriod(), gateStepClosedAt,
                    trainerStepOfGateStep, snapshotHeldAt))) {
          TimeUnit.MILLISECONDS.sleep(200);
        }
        contributions.close();
        input.close();

        List<Long> fresh = new ArrayList<>();
        List<Long> wait = new ArrayList<>();
        List<Long> rest = new ArrayList<>();
        for (Map.Entry<String, Long> e : sampledAtGateStep.entrySet()) {
          Long at = appended.get(e.getKey());
          Long trainerStep = trainerStepOfGateStep.get(e.getValue());
          Long closed = gateStepClosedAt.get(e.getValue());
          if (at == null || trainerStep == null || closed == null) continue;
          Map.Entry<Long, Long> snap = snapshotHeldAt.ceilingEntry(trainerStep);
          if (snap == null) continue;
          fresh.add(snap.getValue() - at);
          wait.add(closed - at);
          rest.add(snap.getValue() - closed);
        }
        List<Long> kafka = new ArrayList<>();
        delivered.forEach((k, t) -> {
          Long at = appended.get(k);
          if (at != null) kafka.add(t - at);
        });
        return new Result(
            setup, produced, fresh.size(), Latency.of(fresh), Latency.of(wait), Latency.of(rest),
            Latency.of(kafka));
      }
    }
  }

  /** Whether a step closed a period after {@code lastAppend} is in a snapshot held. */
  private static boolean snapshottedAfter(
      long lastAppend,
      Duration period,
      Map<Long, Long> gateStepClosedAt,
      Map<Long, Long> trainerStepOfGateStep,
      ConcurrentSkipListMap<Long, Long> snapshotHeldAt) {
    for (Map.Entry<Long, Long> closed : gateStepClosedAt.entrySet()) {
      if (closed.getValue() < lastAppend + period.toMillis()) continue;
      Long trainerStep = trainerStepOfGateStep.get(closed.getKey());
      if (trainerStep != null && snapshotHeldAt.ceilingKey(trainerStep) != null) return true;
    }
    return false;
  }

  static DpstreamConfig config(Setup s) {
    return DpstreamConfig.of(
        Map.ofEntries(
            Map.entry("topics.partitions", "1"),
            Map.entry("gate.stepPeriod", s.stepPeriod().toMillis() + "ms"),
            Map.entry("gate.retentionSteps", "1"),
            Map.entry("gate.commitInterval", "50ms"),
            Map.entry("gate.featureCount", String.valueOf(s.features())),
            Map.entry("gate.labelClasses", "4"),
            Map.entry("gate.maxRecordsPerUser", "1"),
            Map.entry("gate.recordsPerContribution", "1"),
            // Every user is eligible in one step only: the cap never binds.
            Map.entry("privacy.epsilonCap", "8"),
            Map.entry("privacy.delta", "1e-5"),
            Map.entry("privacy.samplingRate", String.valueOf(s.samplingRate())),
            Map.entry("privacy.noiseMultiplier", "1.0"),
            Map.entry("trainer.model", "mlp:" + s.features() + "-16-4"),
            Map.entry(
                "trainer.expectedBatchSize",
                String.valueOf(
                    Math.max(1.0, s.samplingRate() * s.recordsPerSecond() * s.stepPeriod().toMillis() / 1000.0))),
            Map.entry("trainer.snapshotEverySteps", String.valueOf(s.snapshotEverySteps())),
            Map.entry("trainer.commitEverySteps", "1"),
            Map.entry("trainer.stepTimeout", "10s")));
  }

  /** Sets training-records' timestamps to the broker's append time. */
  private static void appendTimestamps(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TRAINING_RECORDS);
      AlterConfigOp op =
          new AlterConfigOp(
              new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
              AlterConfigOp.OpType.SET);
      admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get(30, TimeUnit.SECONDS);
    }
  }

  /** Produces at a fixed rate; records each record's append time from the broker's answer. */
  private static long produce(
      Setup s, String bootstrap, Map<String, Long> appended, PrintStream log) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // One batch in flight: see ExperimentCommand (a fresh topic on a loaded embedded broker).
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    SplittableRandom random = new SplittableRandom(1);
    long total = Math.round(s.recordsPerSecond() * s.seconds());
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (long i = 0; i < total; i++) {
        long due = start + (long) (i * 1e9 / s.recordsPerSecond());
        long wait = due - System.nanoTime();
        if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
        String user = "fresh-" + i;
        Float[] f = new Float[s.features()];
        for (int j = 0; j < f.length; j++) f[j] = (float) random.nextGaussian();
        TrainingRecord r =
            TrainingRecord.newBuilder()
                .setUserId(user)
                .setEventTime(java.time.Instant.now())
                .setFeatures(Arrays.asList(f))
                .setCategoricalIds(List.of())
                .setLabel(random.nextInt(4))
                .setTarget(null)
                .setWeight(null)
                .build();
        producer.send(
            new ProducerRecord<>(Topics.TRAINING_RECORDS, TrainingRecordProducer.key(r), TrainingRecordProducer.value(r)),
            (md, e) -> {
              if (e == null) appended.put(user, md.timestamp());
            });
      }
      producer.flush();
    }
    log.printf(Locale.ROOT, "freshness: produced %d records in %.1f s%n", total, (System.nanoTime() - start) / 1e9);
    return total;
  }

  /** A read_committed consumer on its own thread, from the beginning of one topic. */
  private static final class Reader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean closing;

    private Reader(KafkaConsumer<byte[], byte[]> consumer, Thread thread) {
      this.consumer = consumer;
      this.thread = thread;
    }

    static Reader start(
        String bootstrap,
        String topic,
        String group,
        java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      c.subscribe(List.of(topic));
      Reader[] self = new Reader[1];
      Thread t =
          new Thread(
              () -> {
                try {
                  while (!self[0].closing) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) onRecord.accept(r);
                  }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                  // closing
                } finally {
                  c.close();
                }
              },
              "freshness-" + group);
      self[0] = new Reader(c, t);
      t.setDaemon(true);
      t.start();
      return self[0];
    }

    @Override
    public void close() throws InterruptedException {
      closing = true;
      consumer.wakeup();
      thread.join(10_000);
    }
  }
}
