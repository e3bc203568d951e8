package io.dpstream.stream;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.config.GateSection;
import io.dpstream.dp.ModelSpec;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.metrics.GateObserver;
import io.dpstream.metrics.PrometheusGateObserver;
import io.dpstream.metrics.PrometheusTrainerObserver;
import io.dpstream.metrics.TrainerObserver;
import io.dpstream.privacy.BudgetPolicy;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door in code: turns a typed configuration into a running dpstream (the embedded
 * broker when no bootstrap servers are configured, topics, the gate, the trainer) and stops it in
 * reverse order. {@code dpstream run}, {@code demo} and {@code experiment} are thin shells around
 * it.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.builder(config).metrics(registry).onStep(System.out::println).start()) {
 *   p.awaitTrainer();
 * }
 * }</pre>
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

  private final DpstreamConfig config;
  private final EmbeddedKafkaBroker broker;
  private final BudgetPolicy policy;
  private GateRunner gate;
  private Trainer trainer;
  private Thread trainerThread;
  private volatile Throwable trainerFailure;

  private Pipeline(DpstreamConfig config, EmbeddedKafkaBroker broker, BudgetPolicy policy) {
    this.config = config;
    this.broker = broker;
    this.policy = policy;
  }

  public static Builder builder(DpstreamConfig config) {
    return new Builder(config);
  }

  /** The configuration in force, with the embedded broker's address when there is one. */
  public DpstreamConfig config() {
    return config;
  }

  /** The budget policy the gate enforces (its step cap computed once by the accountant). */
  public BudgetPolicy policy() {
    return policy;
  }

  /** True while every started part runs: the readiness of the process. */
  public boolean healthy() {
    boolean gateOk = gate == null || gate.state() == KafkaStreams.State.RUNNING;
    boolean trainerOk = trainerThread == null || trainerThread.isAlive();
    return gateOk && trainerOk && trainerFailure == null;
  }

  /**
   * Blocks until the trainer stops ({@code trainer.maxSteps} reached, closed, or failed).
   *
   * @throws IllegalStateException if it failed
   */
  public void awaitTrainer() throws InterruptedException {
    if (trainerThread != null) trainerThread.join();
    if (trainerFailure != null) throw new IllegalStateException("trainer failed: " + trainerFailure, trainerFailure);
  }

  /**
   * Blocks until the pipeline stops: the trainer if one runs (see {@link #awaitTrainer()}), else
   * the gate (closed, or failed).
   *
   * @throws IllegalStateException if what stopped failed
   */
  public void awaitStopped() throws InterruptedException {
    if (trainerThread != null) {
      awaitTrainer();
    } else if (gate != null) {
      gate.awaitStopped();
      if (gate.state() == KafkaStreams.State.ERROR)
        throw new IllegalStateException("the gate stopped on an error (see the log above)");
    }
  }

  /** Stops the trainer (aborting its open transaction), the gate (leaving its group), the broker. */
  @Override
  public void close() {
    if (trainer != null) {
      trainer.close();
      try {
        trainerThread.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (gate != null) gate.close();
    if (broker != null) broker.close();
  }

  /** What to start, and where to report. */
  public static final class Builder {
    private final DpstreamConfig config;
    private boolean runGate = true;
    private boolean runTrainer = true;
    private PrometheusRegistry registry;
    private GateObserver gateObserver;
    private Consumer<TrainedStep> onStep = s -> {};

    private Builder(DpstreamConfig config) {
      this.config = config;
    }

    /** Whether to run the gate in this process (default yes). */
    public Builder gate(boolean run) {
      this.runGate = run;
      return this;
    }

    /** Whether to run the trainer in this process (default yes). */
    public Builder trainer(boolean run) {
      this.runTrainer = run;
      return this;
    }

    /** Registers the gate's and trainer's Prometheus metrics there (default: no metrics). */
    public Builder metrics(PrometheusRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Reports the gate's outcomes to {@code observer} instead of Prometheus metrics. */
    public Builder gateObserver(GateObserver observer) {
      this.gateObserver = observer;
      return this;
    }

    /** Called on the trainer's thread after every step. */
    public Builder onStep(Consumer<TrainedStep> listener) {
      this.onStep = listener;
      return this;
    }

    /**
     * Checks what can be checked before anything starts, so that a bad configuration fails in a
     * moment, with no broker or port taken.
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    public Builder validate() {
      if (runGate && config.gate().featureCount() == GateSection.FEATURES_NOT_SET)
        throw new IllegalArgumentException(
            "gate.featureCount must be set: the number of dense features every record carries (0 for embedding-only models)");
      if (runTrainer) {
        if (config.trainer().model().isBlank())
          throw new IllegalArgumentException("trainer.model must be set, e.g. mlp:784-1000-10");
        try {
          ModelSpec.parse(config.trainer().model());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("trainer.model: " + e.getMessage(), e);
        }
      }
      return this;
    }

    /** Starts everything asked for; on failure, stops what was started and rethrows. */
    public Pipeline start() {
      validate();
      EmbeddedKafkaBroker broker = null;
      DpstreamConfig effective = config;
      if (config.kafka().embedded()) {
        broker = EmbeddedKafkaBroker.startTemporary();
        effective = config.forEmbeddedBroker(broker.bootstrapServers(), broker.dataDir());
      }
      Pipeline p = null;
      try {
        BudgetPolicy policy = BudgetPolicy.create(effective.privacy().policy());
        log.info(
            "budget: eps_cap={} delta={} q={} sigma={} accountant={} -> at most {} steps per user",
            policy.config().epsilonCap(), policy.config().delta(), policy.config().samplingRate(),
            policy.config().noiseMultiplier(), policy.config().accountant().id(), policy.maxSteps());
        log.info("kafka: {}", effective.kafka()); // secrets masked by KafkaSection.toString
        p = new Pipeline(effective, broker, policy);
        TopicProvisioner.ensureTopics(effective);
        if (runGate) {
          GateObserver observer =
              gateObserver != null
                  ? gateObserver
                  : registry == null
                  ? GateObserver.NONE
                  : new PrometheusGateObserver(
                      registry, policy.config().epsilonCap(), policy.config().delta());
          p.gate =
              GateRunner.start(
                  effective,
                  GateTopology.buildTopology(effective, policy, observer, SecureRandom::new));
        }
        if (runTrainer) {
          TrainerObserver observer =
              registry == null
                  ? TrainerObserver.NONE
                  : new PrometheusTrainerObserver(
                      registry, effective.gate().stepPeriod(), snapshotInterval(effective));
          p.trainer = new Trainer(effective, policy, observer, onStep);
          Pipeline pipeline = p;
          p.trainerThread = new Thread(p.trainer, "dpstream-trainer");
          p.trainerThread.setUncaughtExceptionHandler(
              (t, e) -> {
                pipeline.trainerFailure = e;
                log.error("trainer failed: {}", e.toString(), e);
              });
          p.trainerThread.start();
        }
        return p;
      } catch (RuntimeException e) {
        if (p != null) p.close();
        else if (broker != null) broker.close();
        throw e;
      }
    }

    private static Duration snapshotInterval(DpstreamConfig c) {
      Duration byStep = c.gate().stepPeriod().multipliedBy(c.trainer().snapshotEverySteps());
      Duration byTime = c.trainer().snapshotInterval();
      return byTime.isZero() || byStep.compareTo(byTime) < 0 ? byStep : byTime;
    }
  }
}
