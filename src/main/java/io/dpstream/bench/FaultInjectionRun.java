package io.dpstream.bench;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.stream.GateMessages;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A seeded fault-injection run of the whole pipeline, every part in its own operating-system
 * process: {@code dpstream broker} (with a data directory), {@code dpstream gate} and {@code
 * dpstream train}, fed by a producer in this process with a known set of users. The gate and the
 * trainer are killed with SIGKILL at seeded random points (half of them while the process starts
 * up or restores its state, half of them after it is ready) and restarted, {@code kills} times in
 * all; the broker is killed with SIGKILL and restarted once, half-way through. Then the input
 * stops, the gate drains every pool (records expire after {@code gate.retentionSteps}), gate and
 * trainer stop, and {@link PipelineAudit} computes the four figures from the topics alone.
 *
 * <p>The gate and the trainer use static group membership ({@code group.instance.id}), so that a
 * restarted process takes its partitions back at once instead of after the session timeout of
 * the killed one.
 */
public final class FaultInjectionRun {
  /**
   * What to run.
   *
   * @param seed seeds the workload and the kill points
   * @param kills SIGKILLs of the gate and the trainer together, at least 1
   * @param workDir where the broker's data, the gate's state and every process's log go (created)
   * @param users users of the workload, at least 8: a quarter write continuously and exhaust their
   *     budget, a quarter write every few seconds, half write rarely
   */
  public record Settings(long seed, int kills, Path workDir, int users) {
    public Settings {
      if (kills < 1) throw new IllegalArgumentException("kills must be >= 1, got " + kills);
      if (users < 8) throw new IllegalArgumentException("users must be >= 8, got " + users);
      if (workDir == null) throw new IllegalArgumentException("workDir must be given");
    }
  }

  /** What happened, and the four figures. */
  public record Result(
      long seed,
      int gateKills,
      int trainerKills,
      int earlyKills,
      int selfExits,
      int brokerRestarts,
      long recordsSent,
      long sendFailures,
      boolean drained,
      double seconds,
      PipelineAudit.Figures figures) {
    /** True when every figure holds, the input drained, and every planned fault happened. */
    public boolean passed(int plannedKills) {
      return figures.hold() && drained && gateKills + trainerKills >= plannedKills && brokerRestarts == 1;
    }

    /** The run and its four figures, as printed. */
    public String describe() {
      return String.format(
              java.util.Locale.ROOT,
              "fault run seed %d: %d SIGKILLs (%d gate, %d trainer; %d during start-up), %d exits on their own,"
                  + " %d broker restart(s), %d records sent (%d sends failed), drained %s, %.0f s%n",
              seed, gateKills + trainerKills, gateKills, trainerKills, earlyKills, selfExits,
              brokerRestarts, recordsSent, sendFailures, drained, seconds)
          + PipelineAudit.describe(figures);
    }
  }

  static final String MODEL_ID = "faults";
  static final int FEATURES = 16;
  static final int PARTITIONS = 2;
  static final long RETENTION_STEPS = 8;
  static final Duration STEP_PERIOD = Duration.ofMillis(250);
  static final double EPSILON_CAP = 3.5;
  static final double DELTA = 1e-5;
  static final double SAMPLING_RATE = 0.2;
  static final double NOISE_MULTIPLIER = 2.0;
  static final AccountantKind ACCOUNTANT = AccountantKind.RDP;
  private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
  private static final Pattern STEP_LINE = Pattern.compile("(?m)^step ");
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  private final Settings settings;
  private final PrintStream log;
  private final SplittableRandom faults;
  private final Path logs;
  private final int brokerPort;
  private final Map<String, Component> components = new HashMap<>();
  private DpstreamProcess broker;
  private int brokerIncarnation;
  private int selfExits;
  private int earlyKills;

  private FaultInjectionRun(Settings settings, PrintStream log) throws IOException {
    this.settings = settings;
    this.log = log;
    this.faults = new SplittableRandom(settings.seed());
    this.logs = settings.workDir().resolve("logs");
    this.brokerPort = freePort();
  }

  /** Runs the faults, the drain and the audit; the processes it started are stopped in any case. */
  public static Result run(Settings settings, PrintStream log) throws Exception {
    Files.createDirectories(settings.workDir());
    FaultInjectionRun run = new FaultInjectionRun(settings, log);
    // A signalled harness must not leave a broker, gate or trainer behind.
    Thread hook = new Thread(run::stopAll, "faults-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return run.execute();
    } finally {
      run.stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
    }
  }

  private Result execute() throws Exception {
    long t0 = System.nanoTime();
    String bootstrap = startBroker();
    log.println("faults: broker at " + bootstrap + "; logs in " + logs);
    Component gate = new Component("gate", "384m", freePort(), "main.consumer.group.instance.id=" + MODEL_ID + "-gate");
    Component trainer = new Component("train", "512m", freePort(), "group.instance.id=" + MODEL_ID + "-trainer");
    components.put("gate", gate);
    components.put("train", trainer);
    gate.spawn(bootstrap);
    trainer.spawn(bootstrap);

    Workload workload = new Workload(bootstrap, settings.users(), settings.seed());
    Thread producer = new Thread(workload, "faults-producer");
    producer.start();
    int kills = 0;
    boolean brokerRestarted = false;
    while (kills < settings.kills()) {
      for (Component c : List.of(gate, trainer)) {
        if (kills >= settings.kills()) break;
        if (c.poll(bootstrap)) kills++;
      }
      if (!brokerRestarted && kills >= settings.kills() / 2) {
        bootstrap = restartBroker();
        brokerRestarted = true;
      }
      Thread.sleep(50);
    }
    log.println("faults: " + kills + " kills done; waiting for gate and trainer to be ready");
    awaitReady(gate, trainer, bootstrap);
    Thread.sleep(3_000);
    workload.stop();
    producer.join();
    log.printf("faults: input stopped after %d records (%d sends failed); draining%n", workload.sent.get(), workload.failed.get());
    boolean drained = drain(gate, trainer, bootstrap);
    log.println("faults: " + (drained ? "drained" : "NOT drained in time") + "; auditing the topics");
    PipelineAudit.Figures figures =
        PipelineAudit.run(
            new PipelineAudit.Setup(
                bootstrap, MODEL_ID, FEATURES, RETENTION_STEPS, EPSILON_CAP, DELTA, SAMPLING_RATE,
                NOISE_MULTIPLIER, ACCOUNTANT));
    return new Result(
        settings.seed(), gate.kills, trainer.kills, earlyKills, selfExits, brokerRestarted ? 1 : 0,
        workload.sent.get(), workload.failed.get(), drained, (System.nanoTime() - t0) / 1e9, figures);
  }

  /** The settings every process shares: they must agree on topics, budget and step period. */
  private List<String> common(String bootstrap) {
    List<String> a = new ArrayList<>();
    a.add("--bootstrap-servers=" + bootstrap);
    set(a, "topics.partitions", PARTITIONS);
    set(a, "topics.ledgerPartitions", 1);
    set(a, "privacy.accountant", ACCOUNTANT.id());
    set(a, "privacy.epsilonCap", EPSILON_CAP);
    set(a, "privacy.delta", DELTA);
    set(a, "privacy.samplingRate", SAMPLING_RATE);
    set(a, "privacy.noiseMultiplier", NOISE_MULTIPLIER);
    set(a, "gate.stepPeriod", STEP_PERIOD.toMillis() + "ms");
    set(a, "gate.retentionSteps", RETENTION_STEPS);
    set(a, "gate.featureCount", FEATURES);
    set(a, "gate.labelClasses", 2);
    set(a, "gate.stateDir", settings.workDir().resolve("gate-state"));
    set(a, "trainer.modelId", MODEL_ID);
    set(a, "trainer.transactionalId", MODEL_ID + "-trainer");
    set(a, "trainer.model", "mlp:16-8-2");
    set(a, "trainer.expectedBatchSize", 8);
    set(a, "trainer.learningRate", 0.05);
    set(a, "trainer.snapshotEverySteps", 10);
    set(a, "trainer.stepTimeout", "10s");
    return a;
  }

  private static void set(List<String> args, String key, Object value) {
    args.add("--set");
    args.add(key + "=" + value);
  }

  private String startBroker() throws InterruptedException {
    brokerIncarnation++;
    List<String> args = new ArrayList<>();
    args.add("broker");
    args.add("--data-dir=" + settings.workDir().resolve("broker"));
    args.add("--port=" + brokerPort);
    set(args, "topics.partitions", PARTITIONS);
    set(args, "topics.ledgerPartitions", 1);
    broker = DpstreamProcess.start("broker-" + brokerIncarnation, logs, "512m", DpstreamProcess.QUICK_START, args);
    return broker.awaitStdout(BOOTSTRAP, START_TIMEOUT).group(1);
  }

  private String restartBroker() throws InterruptedException {
    log.println("faults: SIGKILL " + broker + "; restarting it on the same data directory");
    broker.kill();
    return startBroker();
  }

  /** One restartable process (gate or trainer) and its seeded kill schedule. */
  private final class Component {
    final String command;
    final String heap;
    final int metricsPort;
    final String staticMember;
    DpstreamProcess process;
    int incarnation;
    int kills;
    /** Kill this long after spawning (early) or after becoming ready. */
    double delaySeconds;
    boolean early;
    double readyAtAge = -1;

    Component(String command, String heap, int metricsPort, String staticMember) {
      this.command = command;
      this.heap = heap;
      this.metricsPort = metricsPort;
      this.staticMember = staticMember;
    }

    void spawn(String bootstrap) {
      incarnation++;
      List<String> args = new ArrayList<>();
      args.add(command);
      args.addAll(common(bootstrap));
      args.add("--kafka-property=" + staticMember);
      args.add("--metrics-port=" + metricsPort);
      args.add("--metrics-bind=127.0.0.1");
      process = DpstreamProcess.start(command + "-" + incarnation, logs, heap, DpstreamProcess.QUICK_START, args);
      early = faults.nextBoolean();
      // Early: inside start-up (JVM, topic check, state restore, checkpoint restore).
      // Late: while it works, up to a few dozen steps in.
      delaySeconds = early ? 0.5 + faults.nextDouble() * 8 : faults.nextDouble() * 6;
      readyAtAge = -1;
    }

    /** Kills and respawns when due; respawns after an exit of its own. Returns true on a kill. */
    boolean poll(String bootstrap) throws InterruptedException {
      if (!process.alive()) {
        selfExits++;
        log.printf("faults: %s exited on its own with code %s; restarting%n", process, process.exitCode().orElse(-1));
        spawn(bootstrap);
        return false;
      }
      double age = process.ageSeconds();
      if (readyAtAge < 0 && ready()) readyAtAge = age;
      boolean due =
          early
              ? age >= delaySeconds
              : (readyAtAge >= 0 && age >= readyAtAge + delaySeconds) || age >= 120;
      if (!due) return false;
      boolean startingUp = readyAtAge < 0;
      process.kill();
      kills++;
      if (startingUp) earlyKills++;
      log.printf(
          "faults: SIGKILL %s at %.1f s (%s)%n", process, age,
          startingUp ? "starting up" : String.format(java.util.Locale.ROOT, "%.1f s after ready", age - readyAtAge));
      spawn(bootstrap);
      return true;
    }

    boolean ready() {
      if (command.equals("gate")) return httpOk("http://127.0.0.1:" + metricsPort + "/health/ready");
      return STEP_LINE.matcher(process.stdout()).find();
    }
  }

  private void awaitReady(Component gate, Component trainer, String bootstrap) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (Component c : List.of(gate, trainer)) {
        if (!c.process.alive()) {
          selfExits++;
          log.printf("faults: %s exited on its own; restarting%n", c.process);
          c.spawn(bootstrap);
        }
        all &= c.ready();
      }
      if (all) return;
      Thread.sleep(200);
    }
  }

  /**
   * Waits until every input record was processed and then {@code retentionSteps + 2} more steps
   * closed (every pool has expired, so every charge is in a published ledger), stops the gate,
   * then waits until the trainer has trained the last gate step with a marker, and stops it.
   */
  private boolean drain(Component gate, Component trainer, String bootstrap) throws InterruptedException {
    Map<Integer, Long> end = CommittedTopic.endOffsets(bootstrap, Topics.TRAINING_RECORDS, Duration.ofMinutes(1));
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    Map<Integer, Long> drainedAtStep = new HashMap<>();
    long lastMarkerStep = Long.MIN_VALUE;
    long trainedUpTo = Long.MIN_VALUE;
    boolean gateDone = false;
    try (TopicTail contributions = new TopicTail(bootstrap, Topics.STEP_CONTRIBUTIONS);
        TopicTail metrics = new TopicTail(bootstrap, Topics.PRIVACY_METRICS)) {
      Map<Integer, StepMarker> lastMarker = new HashMap<>();
      Map<Integer, Long> lastStep = new HashMap<>();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : contributions.poll()) {
          StepMessage m = GateMessages.stepMessage(r.value());
          if (m.getBody() instanceof StepMarker sm) {
            lastMarker.put(m.getGatePartition(), sm);
            lastStep.put(m.getGatePartition(), m.getStep());
            lastMarkerStep = Math.max(lastMarkerStep, m.getStep());
          }
        }
        if (!gateDone) {
          if (!gate.process.alive()) {
            selfExits++;
            gate.spawn(bootstrap);
          }
          boolean all = true;
          for (int p = 0; p < PARTITIONS; p++) {
            StepMarker sm = lastMarker.get(p);
            if (sm == null) {
              all = false;
              continue;
            }
            long processed = sm.getRecordsAdmitted() + sm.getRecordsDroppedForBudget() + sm.getRecordsDeadLettered();
            if (processed >= end.getOrDefault(p, 0L)) drainedAtStep.putIfAbsent(p, lastStep.get(p));
            Long at = drainedAtStep.get(p);
            all &= at != null && lastStep.get(p) >= at + RETENTION_STEPS + 2;
          }
          if (all) {
            log.println("faults: every record processed and every pool expired; stopping the gate");
            gate.process.stop(Duration.ofSeconds(60));
            gateDone = true;
            // Markers committed by the final close may still be in flight to the tail.
            Thread.sleep(1_000);
            continue;
          }
        } else {
          for (ConsumerRecord<byte[], byte[]> r : metrics.poll()) trainedUpTo = Math.max(trainedUpTo, gateStep(r.value()));
          if (trainedUpTo >= lastMarkerStep) {
            log.println("faults: trainer has trained gate step " + trainedUpTo + "; stopping it");
            trainer.process.stop(Duration.ofSeconds(60));
            return true;
          }
          if (!trainer.process.alive()) {
            selfExits++;
            trainer.spawn(bootstrap);
          }
        }
        Thread.sleep(200);
      }
    }
    return false;
  }

  private static long gateStep(byte[] value) {
    try {
      return PrivacyMetrics.fromByteBuffer(ByteBuffer.wrap(value)).getGateStep();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void stopAll() {
    for (Component c : components.values()) {
      try {
        if (c.process != null && c.process.alive()) c.process.stop(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      if (broker != null && broker.alive()) broker.stop(Duration.ofSeconds(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A read_committed consumer without a group that returns what was committed since the last poll. */
  private static final class TopicTail implements AutoCloseable {
    final KafkaConsumer<byte[], byte[]> consumer;

    TopicTail(String bootstrap, String topic) {
      consumer = CommittedTopic.fromBeginning(bootstrap, topic, Duration.ofMinutes(1));
    }

    Iterable<ConsumerRecord<byte[], byte[]>> poll() {
      return consumer.poll(Duration.ofMillis(200));
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /**
   * The input: a known set of users writing at different rates, about 55 records per second in
   * all, with one record in a hundred malformed (15 features instead of 16: dead-lettered). Each
   * record's event time is unique (a fixed origin plus its sequence number), which identifies it
   * in the step contributions.
   */
  private static final class Workload implements Runnable {
    final KafkaProducer<byte[], byte[]> producer;
    final String[] users;
    final double[] perTick;
    final SplittableRandom random;
    final AtomicBoolean stopping = new AtomicBoolean();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final long origin = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    long sequence;

    Workload(String bootstrap, int userCount, long seed) {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofMinutes(5).toMillis());
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
      users = new String[userCount];
      perTick = new double[userCount];
      for (int i = 0; i < userCount; i++) {
        users[i] = String.format("user-%03d", i);
        // per 100 ms tick: continuous writers, every two seconds, about once in a run
        perTick[i] = i < userCount / 4 ? 0.5 : i < userCount / 2 ? 0.05 : 0.001;
      }
      random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    }

    @Override
    public void run() {
      try {
        while (!stopping.get()) {
          for (int i = 0; i < users.length; i++) {
            if (random.nextDouble() < perTick[i]) send(users[i]);
          }
          Thread.sleep(100);
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        producer.close(Duration.ofMinutes(5));
      }
    }

    void send(String user) {
      boolean malformed = random.nextDouble() < 0.01;
      int n = malformed ? FEATURES - 1 : FEATURES;
      List<Float> features = new ArrayList<>(n);
      for (int j = 0; j < n; j++) features.add((float) (random.nextDouble() * 2 - 1));
      TrainingRecord r =
          TrainingRecord.newBuilder()
              .setUserId(user)
              .setEventTime(Instant.ofEpochMilli(origin + sequence++))
              .setFeatures(features)
              .setLabel(features.get(0) > 0 ? 1 : 0)
              .build();
      byte[] value;
      try {
        ByteBuffer b = r.toByteBuffer();
        value = new byte[b.remaining()];
        b.get(value);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      producer.send(
          new ProducerRecord<>(Topics.TRAINING_RECORDS, user.getBytes(StandardCharsets.UTF_8), value),
          (meta, e) -> (e == null ? sent : failed).incrementAndGet());
    }

    void stop() {
      stopping.set(true);
    }
  }

  private static boolean httpOk(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(1000);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
