package io.dpstream.stream;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainerCheckpoint;
import io.dpstream.avro.UserContribution;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.config.TrainerSection;
import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.DpSgdConfig;
import io.dpstream.dp.DpTrainer;
import io.dpstream.dp.LearningRateSchedule;
import io.dpstream.dp.ModelSpec;
import io.dpstream.dp.OptimizerConfig;
import io.dpstream.dp.StepResult;
import io.dpstream.dp.UserExamples;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.SnapshotPublished;
import io.dpstream.metrics.TrainerObserver;
import io.dpstream.metrics.TrainerStep;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.SnapshotPublisher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer (DESIGN §3, steps 5 to 7): reads step-contributions, assembles each gate step, takes
 * one DP-SGD step on it, and publishes in one Kafka transaction with its input offsets: the step's
 * privacy-metrics record, a snapshot when one is due, and a checkpoint. After a crash it resumes
 * from the checkpoint committed with the offsets, so it neither repeats nor skips a step.
 *
 * <p>Every assembled step is trained, even one with no sampled user: the accountant charged every
 * eligible user for it, and the privacy analysis of Poisson sampling assumes the noisy update
 * happens whatever the sample (skipping empty steps would reveal that nobody was sampled).
 *
 * <p>One active instance per model: a second one with the same transactional id fences the first.
 * {@link #run()} blocks until {@link #close()} (from another thread), {@code trainer.maxSteps}, or
 * a failure, which it rethrows after aborting the open transaction.
 */
public final class Trainer implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Trainer.class);
  private static final Duration POLL = Duration.ofMillis(100);

  private final DpstreamConfig config;
  private final TrainerSection t;
  private final TrainerObserver observer;
  private final Consumer<TrainedStep> listener;
  private final BudgetPolicy policy;
  private final SnapshotPublisher snapshots;
  private final TrainerCheckpoints checkpoints = new TrainerCheckpoints();
  private volatile boolean closing;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private long stepsTaken;

  /**
   * @param config the whole configuration; its trainer, privacy and gate sections are used
   * @param observer metrics sink
   * @param listener called after each committed step, on the trainer's thread
   */
  public Trainer(DpstreamConfig config, TrainerObserver observer, Consumer<TrainedStep> listener) {
    this(config, BudgetPolicy.create(config.privacy().policy()), observer, listener);
  }

  /** As above, with the budget policy the gate enforces already computed. */
  public Trainer(
      DpstreamConfig config,
      BudgetPolicy policy,
      TrainerObserver observer,
      Consumer<TrainedStep> listener) {
    this.config = config;
    this.t = config.trainer();
    if (t.model().isBlank())
      throw new IllegalArgumentException("trainer.model must be set, e.g. mlp:784-1000-10");
    ModelSpec.parse(t.model());
    this.observer = observer;
    this.listener = listener;
    this.policy = policy;
    this.snapshots = new SnapshotPublisher(1);
  }

  @Override
  public void run() {
    String bootstrap = config.kafka().bootstrapServers();
    try (KafkaProducer<byte[], byte[]> producer = producer();
        KafkaConsumer<byte[], byte[]> c = consumer()) {
      this.consumer = c;
      producer.initTransactions();
      Optional<TrainerCheckpoint> restored =
          TrainerCheckpoints.newest(
              bootstrap, config.kafka().properties(), t.modelId(), Duration.ofMinutes(2));
      DpSgdConfig dpConfig = dpConfig();
      try (DpTrainer dp =
          restored
              .map(cp -> DpTrainer.restore(bytes(cp.getState()), dpConfig))
              .orElseGet(() -> DpTrainer.create(ModelSpec.parse(t.model()), dpConfig))) {
        Loop loop = new Loop(producer, c, dp, restored.orElse(null));
        if (closing) return;
        c.subscribe(List.of(Topics.STEP_CONTRIBUTIONS));
        loop.run();
      }
    } catch (WakeupException e) {
      if (!closing) throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      consumer = null;
    }
  }

  /** Asks {@link #run()} to stop after the step in progress; the open transaction is aborted. */
  @Override
  public void close() {
    closing = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
  }

  /** The poll loop's state: one instance per run. */
  private final class Loop {
    final KafkaProducer<byte[], byte[]> producer;
    final KafkaConsumer<byte[], byte[]> consumer;
    final DpTrainer dp;
    final StepAssembler assembler;
    long snapshotVersion;
    long lastSnapshotMillis;
    long stepsInTransaction;
    boolean inTransaction;
    long lastLagReport;

    Loop(
        KafkaProducer<byte[], byte[]> producer,
        KafkaConsumer<byte[], byte[]> consumer,
        DpTrainer dp,
        TrainerCheckpoint cp) {
      this.producer = producer;
      this.consumer = consumer;
      this.dp = dp;
      long lastGateStep = cp == null ? Long.MIN_VALUE : cp.getLastGateStep();
      long late = cp == null ? 0 : cp.getLateContributions();
      this.assembler = new StepAssembler(lastGateStep, late, t.stepTimeout());
      this.snapshotVersion = cp == null ? 0 : cp.getSnapshotVersion();
      this.lastSnapshotMillis = cp == null ? System.currentTimeMillis() : cp.getLastSnapshotMillis();
      stepsTaken = dp.stepsTaken();
      if (cp != null) {
        log.info(
            "trainer {} resumed at step {} (gate step {}, snapshot version {})",
            t.modelId(), stepsTaken, lastGateStep, snapshotVersion);
      }
    }

    void run() {
      try {
        while (!closing && !done()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) offer(r);
          long now = System.currentTimeMillis();
          Optional<AssembledStep> ready;
          while (!closing && !done() && (ready = assembler.nextReady(now)).isPresent()) {
            train(ready.get());
            now = System.currentTimeMillis();
          }
          if (inTransaction && (done() || stepsInTransaction >= t.commitEverySteps())) commit();
          reportLag(now);
        }
        if (inTransaction && !closing) commit();
      } finally {
        if (inTransaction) {
          try {
            producer.abortTransaction();
          } catch (RuntimeException e) {
            log.warn("could not abort the open transaction: {}", e.toString());
          }
        }
      }
    }

    boolean done() {
      return t.maxSteps() > 0 && stepsTaken >= t.maxSteps();
    }

    void offer(ConsumerRecord<byte[], byte[]> r) {
      StepMessage m;
      try {
        m = GateMessages.stepMessage(r.value());
      } catch (RuntimeException e) {
        // Only the gate writes this topic; an unreadable message is a bug or an intruder.
        log.error(
            "skipping unreadable message at {}-{}@{}: {}",
            r.topic(), r.partition(), r.offset(), e.getMessage());
        return;
      }
      assembler.offer(m, r.partition(), r.offset(), System.currentTimeMillis());
    }

    void train(AssembledStep s) {
      long started = System.nanoTime();
      if (!inTransaction) {
        producer.beginTransaction();
        inTransaction = true;
      }
      List<UserExamples> users = new ArrayList<>(s.contributions().size());
      int m = config.gate().recordsPerContribution();
      for (UserContribution c : s.contributions()) users.add(TrainingExamples.user(c, m));
      StepResult result = dp.step(users);
      stepsTaken = dp.stepsTaken();
      Instant now = Instant.now();
      PrivacyMetrics metrics =
          PrivacyMetricsReport.of(config, stepsTaken, s, assembler.lateContributions(), now);
      producer.send(
          new ProducerRecord<>(Topics.PRIVACY_METRICS, key(), bytes(encode(metrics))));
      boolean snapshotDue =
          stepsTaken % t.snapshotEverySteps() == 0
              || done()
              || (!t.snapshotInterval().isZero()
                  && now.toEpochMilli() - lastSnapshotMillis >= t.snapshotInterval().toMillis());
      if (snapshotDue) publishSnapshot(now);
      stepsInTransaction++;
      if (snapshotDue || done() || stepsInTransaction >= t.commitEverySteps()) commit();
      double seconds = (System.nanoTime() - started) / 1e9;
      observer.stepTaken(
          new TrainerStep(stepsTaken, users.size(), seconds, modelEpsilon()));
      if (!s.complete()) {
        log.warn(
            "step {} trained with {} of {} gate partitions: the rest timed out",
            s.gateStep(), s.markers().size(), s.expectedPartitions());
      }
      listener.accept(new TrainedStep(stepsTaken, s.gateStep(), s.complete(), metrics, result, snapshotVersion));
    }

    /**
     * Refuses to publish or checkpoint non-finite parameters: a diverged model (a learning rate
     * too high for the noise) must not replace a good snapshot. The open transaction is aborted
     * and the trainer stops; it restarts from the last good checkpoint once reconfigured.
     */
    void requireFiniteParameters() {
      for (Map.Entry<String, float[]> e : dp.parameterValues().entrySet()) {
        for (float v : e.getValue()) {
          if (!Float.isFinite(v)) {
            throw new IllegalStateException(
                "training diverged at step " + stepsTaken + ": parameter " + e.getKey()
                    + " is not finite; lower trainer.learningRate or raise the noise's normaliser"
                    + " (trainer.expectedBatchSize)");
          }
        }
      }
    }

    void publishSnapshot(Instant now) {
      requireFiniteParameters();
      ModelSnapshot snap =
          ModelSnapshot.of(
              t.modelId(),
              snapshotVersion + 1,
              stepsTaken,
              now,
              dp.spec().toJson(),
              dp.saveParameters(),
              privacyStatement());
      List<ProducerRecord<byte[], byte[]>> records = snapshots.records(snap);
      long size = 0;
      for (ProducerRecord<byte[], byte[]> r : records) {
        if (r.value() != null) size += r.value().length;
        producer.send(r);
      }
      snapshotVersion = snap.version();
      lastSnapshotMillis = now.toEpochMilli();
      observer.snapshotPublished(new SnapshotPublished(snapshotVersion, stepsTaken, size, now));
    }

    /** Ends the transaction: checkpoint, input offsets, commit. */
    void commit() {
      requireFiniteParameters();
      TrainerCheckpoint cp =
          TrainerCheckpoint.newBuilder()
              .setModelId(t.modelId())
              .setSteps(stepsTaken)
              .setLastGateStep(assembler.lastGateStep())
              .setSnapshotVersion(snapshotVersion)
              .setLastSnapshotMillis(lastSnapshotMillis)
              .setLateContributions(assembler.lateContributions())
              .setState(ByteBuffer.wrap(dp.saveState()))
              .build();
      for (ProducerRecord<byte[], byte[]> r :
          checkpoints.records(cp, dp.spec().toJson(), privacyStatement())) {
        producer.send(r);
      }
      producer.sendOffsetsToTransaction(offsets(), consumer.groupMetadata());
      producer.commitTransaction();
      inTransaction = false;
      stepsInTransaction = 0;
    }

    Map<TopicPartition, OffsetAndMetadata> offsets() {
      Map<Integer, Long> positions = new HashMap<>();
      for (TopicPartition tp : consumer.assignment()) positions.put(tp.partition(), consumer.position(tp));
      Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
      assembler
          .committableOffsets(positions)
          .forEach(
              (p, o) ->
                  out.put(new TopicPartition(Topics.STEP_CONTRIBUTIONS, p), new OffsetAndMetadata(o)));
      return out;
    }

    void reportLag(long now) {
      if (now - lastLagReport < 5_000) return;
      lastLagReport = now;
      for (TopicPartition tp : consumer.assignment()) {
        consumer.currentLag(tp).ifPresent(lag -> observer.consumerLag(tp.partition(), lag));
      }
    }
  }

  private PrivacyStatement privacyStatement() {
    var p = config.privacy().policy();
    return new PrivacyStatement(
        p.epsilonCap(), p.delta(), p.accountant(), p.noiseMultiplier(), p.samplingRate(),
        t.clipNorm(), stepsTaken);
  }

  /**
   * ε of the model at the policy's δ: no user was charged more steps than the model took, nor more
   * than the policy's cap, so the accountant's ε for the smaller of the two bounds every user.
   */
  private double modelEpsilon() {
    return policy.epsilonAfter(Math.min(stepsTaken, policy.maxSteps()));
  }

  private DpSgdConfig dpConfig() {
    OptimizerConfig optimizer =
        t.optimizer().equals("adam")
            ? OptimizerConfig.adam(t.learningRate(), t.weightDecay())
            : OptimizerConfig.sgd(t.learningRate(), t.momentum(), t.weightDecay());
    LearningRateSchedule schedule =
        t.cosineSteps() > 0
            ? LearningRateSchedule.cosine(t.cosineSteps(), 0.0)
            : LearningRateSchedule.constant();
    return new DpSgdConfig(
        t.clipNorm(),
        config.privacy().policy().noiseMultiplier(),
        t.expectedBatchSize(),
        config.gate().recordsPerContribution(),
        optimizer,
        schedule,
        DeviceChoice.parse(t.device()),
        t.seed());
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, t.transactionalId());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, t.transactionalId() + "-producer");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, t.transactionalId());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) Duration.ofMinutes(10).toMillis());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, t.transactionalId() + "-consumer");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private byte[] key() {
    return t.modelId().getBytes(StandardCharsets.UTF_8);
  }

  private static ByteBuffer encode(PrivacyMetrics m) {
    try {
      return m.toByteBuffer();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
