package io.dpstream.bench;

import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.kafka.Topics;
import io.dpstream.stream.GateMessages;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A sustained, bounded load on loopback: {@code dpstream broker}, {@code gate} and {@code train}
 * in their own processes, fed at a fixed rate for a fixed time by a paced producer in this
 * process. Every {@code sampleSeconds} it records each process's resident set, the gate's and the
 * trainer's heap (from their Prometheus endpoints), the gate's and the trainer's consumer lag
 * (end offsets minus the group's committed offsets, as an operator would measure it) and the
 * gate's durable outcome counts (the cumulative counts in its latest step markers). At the end the
 * input stops, the gate catches up, and the run checks:
 *
 * <ul>
 *   <li><b>memory bounded</b>: no process's resident set in the last third of the run exceeds its
 *       peak in the middle third by more than 25% plus 64 MiB;
 *   <li><b>lag not growing</b>: the gate's and the trainer's mean lag in the last third is at most
 *       1.5 times that of the middle third plus two seconds of input;
 *   <li><b>no record lost</b>: records acknowledged = admitted + dropped for budget +
 *       dead-lettered, from the gate's final markers.
 * </ul>
 *
 * The workload: {@code users} users chosen uniformly, plus 20 hot users that write continuously
 * (they exhaust their budget and their later records are dropped) receiving 1% of the records,
 * and one record in a thousand malformed (dead-lettered).
 */
public final class LoadRun {
  /**
   * @param minutes how long the input runs, at least 1
   * @param rate records per second, at least 1
   * @param users the uniform user population, at least 1
   * @param sampleSeconds seconds between samples, at least 1
   * @param workDir broker data, gate state and logs (created)
   */
  public record Settings(double minutes, int rate, int users, int sampleSeconds, Path workDir) {
    public Settings {
      if (!(minutes > 0)) throw new IllegalArgumentException("minutes must be > 0, got " + minutes);
      if (rate < 1) throw new IllegalArgumentException("rate must be >= 1, got " + rate);
      if (users < 1) throw new IllegalArgumentException("users must be >= 1, got " + users);
      if (sampleSeconds < 1) throw new IllegalArgumentException("sampleSeconds must be >= 1, got " + sampleSeconds);
      if (workDir == null) throw new IllegalArgumentException("workDir must be given");
    }
  }

  /** One sample. Memory in bytes; -1 where it could not be read. */
  public record Sample(
      double seconds,
      long sent,
      long gateLag,
      long trainerLag,
      long admitted,
      long dropped,
      long deadLettered,
      long gateRss,
      long gateHeap,
      long trainerRss,
      long trainerHeap,
      long brokerRss,
      double loadAverage) {}

  /** The samples, the final counts and the verdicts. */
  public record Result(
      Settings settings,
      List<Sample> samples,
      long sent,
      long sendFailures,
      long admitted,
      long dropped,
      long deadLettered,
      boolean caughtUp,
      boolean memoryBounded,
      boolean lagStable,
      String memoryDetail,
      String lagDetail) {
    public long unaccounted() {
      return sent - admitted - dropped - deadLettered;
    }

    public boolean noRecordLost() {
      return caughtUp && sendFailures == 0 && unaccounted() == 0;
    }

    public boolean passed() {
      return memoryBounded && lagStable && noRecordLost();
    }

    public String describe() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT,
          "%8s %10s %9s %9s %10s %9s %6s %9s %9s %9s %9s %9s %5s%n",
          "t(s)", "sent", "gate lag", "trn lag", "admitted", "dropped", "dlq", "gate RSS", "gate heap",
          "trn RSS", "trn heap", "brk RSS", "load"));
      for (Sample s : samples) {
        b.append(String.format(Locale.ROOT,
            "%8.0f %10d %9d %9d %10d %9d %6d %8.0fM %8.0fM %8.0fM %8.0fM %8.0fM %5.1f%n",
            s.seconds(), s.sent(), s.gateLag(), s.trainerLag(), s.admitted(), s.dropped(), s.deadLettered(),
            mib(s.gateRss()), mib(s.gateHeap()), mib(s.trainerRss()), mib(s.trainerHeap()), mib(s.brokerRss()),
            s.loadAverage()));
      }
      b.append(String.format(Locale.ROOT,
          "records: %d sent (%d failed) = %d admitted + %d dropped for budget + %d dead-lettered; unaccounted %d; gate caught up: %s  [%s]%n",
          sent, sendFailures, admitted, dropped, deadLettered, unaccounted(), caughtUp, noRecordLost() ? "OK" : "FAILED"));
      b.append("memory: ").append(memoryDetail).append(memoryBounded ? "  [OK]" : "  [FAILED]").append(System.lineSeparator());
      b.append("lag: ").append(lagDetail).append(lagStable ? "  [OK]" : "  [FAILED]");
      return b.toString();
    }
  }

  private static final Pattern BOOTSTRAP = Pattern.compile("bootstrap\\.servers=(\\S+)");
  private static final Pattern HEAP =
      Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"\\} (\\S+)$");
  private static final String GATE_APP = "load-gate";
  private static final String TRAINER_ID = "load-trainer";
  private static final int PARTITIONS = 2;
  private static final int FEATURES = 16;

  private LoadRun() {}

  /** Runs the load, the catch-up and the checks; stops every process it started. */
  public static Result run(Settings s, PrintStream log) throws Exception {
    Files.createDirectories(s.workDir());
    Path logs = s.workDir().resolve("logs");
    List<DpstreamProcess> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    // A signalled harness must not leave a broker, gate or trainer behind.
    Thread hook = new Thread(() -> started.forEach(p -> p.destroyNow()), "load-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      int brokerPort = freePort();
      List<String> brokerArgs = new ArrayList<>(List.of(
          "broker", "--data-dir=" + s.workDir().resolve("broker"), "--port=" + brokerPort));
      topicArgs(brokerArgs);
      DpstreamProcess broker = DpstreamProcess.start("broker", logs, "1g", List.of(), brokerArgs);
      started.add(broker);
      String bootstrap = broker.awaitStdout(BOOTSTRAP, Duration.ofMinutes(3)).group(1);
      int gatePort = freePort();
      int trainerPort = freePort();
      DpstreamProcess gate = DpstreamProcess.start("gate", logs, "1g", List.of(), args("gate", bootstrap, gatePort, s));
      started.add(gate);
      DpstreamProcess trainer = DpstreamProcess.start("train", logs, "1g", List.of(), args("train", bootstrap, trainerPort, s));
      started.add(trainer);
      awaitOk("http://127.0.0.1:" + gatePort + "/health/ready", Duration.ofMinutes(3));
      log.printf("load: broker at %s, gate and trainer running; %d records/s for %.1f min%n", bootstrap, s.rate(), s.minutes());

      Producer producer = new Producer(bootstrap, s);
      Thread producing = new Thread(producer, "load-producer");
      List<Sample> samples = new ArrayList<>();
      long t0 = System.nanoTime();
      try (Admin admin = Admin.create(adminProps(bootstrap));
          MarkerTail markers = new MarkerTail(bootstrap)) {
        producing.start();
        long next = t0;
        long end = t0 + (long) (s.minutes() * 60e9);
        while (System.nanoTime() < end) {
          next += s.sampleSeconds() * 1_000_000_000L;
          while (System.nanoTime() < Math.min(next, end)) {
            markers.poll();
            if (!gate.alive() || !trainer.alive() || !broker.alive())
              throw new IllegalStateException("a process died under load; see " + logs);
          }
          markers.poll();
          Sample sample = sample((System.nanoTime() - t0) / 1e9, producer, admin, markers, broker, gate, gatePort, trainer, trainerPort);
          samples.add(sample);
          log.printf(Locale.ROOT, "load: %4.0f s sent %d, gate lag %d, trainer lag %d, gate RSS %.0f MiB, trainer RSS %.0f MiB, load %.1f%n",
              sample.seconds(), sample.sent(), sample.gateLag(), sample.trainerLag(), mib(sample.gateRss()),
              mib(sample.trainerRss()), sample.loadAverage());
        }
        producer.stop();
        producing.join();
        log.printf("load: input stopped after %d records; waiting for the gate to catch up%n", producer.sent.get());
        Map<Integer, Long> endOffsets = CommittedTopic.endOffsets(bootstrap, Topics.TRAINING_RECORDS, Duration.ofMinutes(1));
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        boolean caughtUp = false;
        while (System.nanoTime() < deadline && !(caughtUp = markers.processedAll(endOffsets))) markers.poll();
        long[] counts = markers.counts();
        return verdict(s, samples, producer.sent.get(), producer.failed.get(), counts, caughtUp);
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running
      }
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          if (started.get(i).alive()) started.get(i).stop(Duration.ofSeconds(60));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static Result verdict(Settings s, List<Sample> samples, long sent, long failed, long[] counts, boolean caughtUp) {
    int n = samples.size();
    List<Sample> middle = samples.subList(n / 3, Math.max(n / 3 + 1, 2 * n / 3));
    List<Sample> last = samples.subList(Math.min(n - 1, 2 * n / 3), n);
    StringBuilder mem = new StringBuilder();
    boolean bounded = true;
    for (String which : List.of("gate", "trainer", "broker")) {
      long mid = middle.stream().mapToLong(x -> rss(x, which)).max().orElse(-1);
      long late = last.stream().mapToLong(x -> rss(x, which)).max().orElse(-1);
      boolean ok = mid < 0 || late < 0 || late <= mid * 1.25 + 64L * 1024 * 1024;
      bounded &= ok;
      mem.append(String.format(Locale.ROOT, "%s RSS peak %.0f MiB in the middle third, %.0f MiB in the last; ",
          which, mib(mid), mib(late)));
    }
    long gateHeapPeak = samples.stream().mapToLong(Sample::gateHeap).max().orElse(-1);
    long trainerHeapPeak = samples.stream().mapToLong(Sample::trainerHeap).max().orElse(-1);
    mem.append(String.format(Locale.ROOT, "heap peaks: gate %.0f MiB, trainer %.0f MiB", mib(gateHeapPeak), mib(trainerHeapPeak)));
    double slack = 2.0 * s.rate();
    double gateMid = middle.stream().mapToLong(Sample::gateLag).average().orElse(0);
    double gateLate = last.stream().mapToLong(Sample::gateLag).average().orElse(0);
    double trnMid = middle.stream().mapToLong(Sample::trainerLag).average().orElse(0);
    double trnLate = last.stream().mapToLong(Sample::trainerLag).average().orElse(0);
    boolean lagOk = gateLate <= 1.5 * gateMid + slack && trnLate <= 1.5 * trnMid + slack;
    String lag = String.format(Locale.ROOT,
        "gate mean lag %.0f records in the middle third, %.0f in the last; trainer %.0f and %.0f (allowed: 1.5x + %.0f)",
        gateMid, gateLate, trnMid, trnLate, slack);
    return new Result(s, samples, sent, failed, counts[0], counts[1], counts[2], caughtUp, bounded, lagOk, mem.toString(), lag);
  }

  private static long rss(Sample x, String which) {
    return switch (which) {
      case "gate" -> x.gateRss();
      case "trainer" -> x.trainerRss();
      default -> x.brokerRss();
    };
  }

  private static Sample sample(
      double seconds, Producer producer, Admin admin, MarkerTail markers, DpstreamProcess broker,
      DpstreamProcess gate, int gatePort, DpstreamProcess trainer, int trainerPort) throws Exception {
    long[] counts = markers.counts();
    return new Sample(
        seconds,
        producer.sent.get(),
        lag(admin, GATE_APP, Topics.TRAINING_RECORDS),
        lag(admin, TRAINER_ID, Topics.STEP_CONTRIBUTIONS),
        counts[0], counts[1], counts[2],
        gate.residentBytes().orElse(-1L),
        heap(gatePort),
        trainer.residentBytes().orElse(-1L),
        heap(trainerPort),
        broker.residentBytes().orElse(-1L),
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** End offsets (read_committed) minus the group's committed offsets, summed over partitions. */
  private static long lag(Admin admin, String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    var ends = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
    long lag = 0;
    for (var e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      lag += e.getValue().offset() - (c == null ? 0 : c.offset());
    }
    return lag;
  }

  private static long heap(int port) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(5000);
      try (InputStream in = c.getInputStream()) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = HEAP.matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
      } finally {
        c.disconnect();
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static List<String> args(String command, String bootstrap, int metricsPort, Settings s) {
    List<String> a = new ArrayList<>();
    a.add(command);
    a.add("--bootstrap-servers=" + bootstrap);
    topicArgs(a);
    set(a, "privacy.epsilonCap", 1.0);
    set(a, "privacy.samplingRate", 0.01);
    set(a, "privacy.noiseMultiplier", 1.0);
    set(a, "gate.applicationId", GATE_APP);
    set(a, "gate.stepPeriod", "1s");
    set(a, "gate.retentionSteps", 30);
    set(a, "gate.featureCount", FEATURES);
    set(a, "gate.labelClasses", 2);
    set(a, "gate.stateDir", s.workDir().resolve("gate-state"));
    set(a, "trainer.transactionalId", TRAINER_ID);
    set(a, "trainer.model", "mlp:16-8-2");
    // q times the expected eligible users: about rate x 30 s of pooled users
    set(a, "trainer.expectedBatchSize", Math.max(1.0, 0.01 * s.rate() * 30 * 0.9));
    set(a, "trainer.learningRate", 0.05);
    set(a, "trainer.snapshotEverySteps", 30);
    a.add("--metrics-port=" + metricsPort);
    a.add("--metrics-bind=127.0.0.1");
    return a;
  }

  private static void topicArgs(List<String> a) {
    set(a, "topics.partitions", PARTITIONS);
    set(a, "topics.ledgerPartitions", 2);
  }

  private static void set(List<String> args, String key, Object value) {
    args.add("--set");
    args.add(key + "=" + value);
  }

  private static Properties adminProps(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return p;
  }

  /** Follows step-contributions and keeps each gate partition's latest marker. */
  private static final class MarkerTail implements AutoCloseable {
    final KafkaConsumer<byte[], byte[]> consumer;
    final Map<Integer, StepMarker> latest = new HashMap<>();

    MarkerTail(String bootstrap) {
      consumer = CommittedTopic.fromBeginning(bootstrap, Topics.STEP_CONTRIBUTIONS, Duration.ofSeconds(30));
    }

    void poll() {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        // Markers have no key; contributions are keyed by user and need no decoding here.
        if (r.key() != null) continue;
        StepMessage m = GateMessages.stepMessage(r.value());
        if (m.getBody() instanceof StepMarker sm) latest.put(m.getGatePartition(), sm);
      }
    }

    /** Admitted, dropped for budget, dead-lettered: the sums of every partition's latest marker. */
    long[] counts() {
      long[] c = new long[3];
      for (StepMarker m : latest.values()) {
        c[0] += m.getRecordsAdmitted();
        c[1] += m.getRecordsDroppedForBudget();
        c[2] += m.getRecordsDeadLettered();
      }
      return c;
    }

    boolean processedAll(Map<Integer, Long> endOffsets) {
      for (var e : endOffsets.entrySet()) {
        StepMarker m = latest.get(e.getKey());
        if (m == null) return e.getValue() == 0;
        long processed = m.getRecordsAdmitted() + m.getRecordsDroppedForBudget() + m.getRecordsDeadLettered();
        if (processed < e.getValue()) return false;
      }
      return true;
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /** Sends at a fixed rate, in slices of 10 ms, for as long as it is not stopped. */
  private static final class Producer implements Runnable {
    final KafkaProducer<byte[], byte[]> producer;
    final Settings s;
    final SplittableRandom random = new SplittableRandom(42);
    final AtomicBoolean stopping = new AtomicBoolean();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    long sequence;

    Producer(String bootstrap, Settings s) {
      this.s = s;
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
      p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void run() {
      long start = System.nanoTime();
      long issued = 0;
      try {
        while (!stopping.get()) {
          long due = (long) ((System.nanoTime() - start) / 1e9 * s.rate());
          while (issued < due && !stopping.get()) {
            send();
            issued++;
          }
          Thread.sleep(10);
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        producer.close(Duration.ofMinutes(2));
      }
    }

    void send() {
      String user =
          random.nextDouble() < 0.01
              ? "hot-" + random.nextInt(20)
              : "user-" + random.nextInt(s.users());
      boolean malformed = random.nextDouble() < 0.001;
      int n = malformed ? FEATURES + 1 : FEATURES;
      List<Float> features = new ArrayList<>(n);
      for (int j = 0; j < n; j++) features.add((float) random.nextDouble(-1, 1));
      TrainingRecord r =
          TrainingRecord.newBuilder()
              .setUserId(user)
              .setEventTime(Instant.ofEpochMilli(System.currentTimeMillis()))
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
      sequence++;
      producer.send(
          new ProducerRecord<>(Topics.TRAINING_RECORDS, user.getBytes(StandardCharsets.UTF_8), value),
          (meta, e) -> (e == null ? sent : failed).incrementAndGet());
    }

    void stop() {
      stopping.set(true);
    }
  }

  private static void awaitOk(String url, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(500);
        if (c.getResponseCode() == 200) return;
      } catch (IOException e) {
        // not up yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(url + " not ready within " + timeout);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static double mib(long bytes) {
    return bytes < 0 ? -1 : bytes / (1024.0 * 1024.0);
  }
}
