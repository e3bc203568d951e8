package io.dpstream.bench;

import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.snapshot.SnapshotPublisher;
import io.dpstream.snapshot.SnapshotTopic;
import io.dpstream.snapshot.TransactionalSnapshotPublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Time from publishing a large snapshot until a follower holds it, against moving the same bytes
 * through the same embedded broker with plain Kafka clients, side by side in one run.
 *
 * <ul>
 *   <li>{@code snapshot}: {@link TransactionalSnapshotPublisher#publish} (Avro encoding, SHA-256,
 *       900 KiB chunks, one transaction) until a running {@link SnapshotFollower} exposes the new
 *       version (read_committed, reassembly, two SHA-256 checks, decoding);
 *   <li>{@code rawBytes} (baseline): a plain idempotent producer sends the parameter bytes in
 *       900 KiB records ({@code acks=all}), and a plain consumer reads them all back.
 * </ul>
 *
 * Run {@code java -cp target/dpstream.jar io.dpstream.bench.SnapshotRoundTripBenchmark [MiB]}: it
 * runs both with JMH and prints the ratio snapshot / rawBytes of the mean times.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class SnapshotRoundTripBenchmark {
  private static final String SNAPSHOTS = "bench-snapshots";
  private static final String RAW = "bench-raw";
  private static final Duration WAIT = Duration.ofSeconds(120);

  @Param({"50"})
  public int mebibytes;

  private EmbeddedKafkaBroker broker;
  private byte[] parameters;
  private TransactionalSnapshotPublisher publisher;
  private SnapshotFollower follower;
  private KafkaProducer<byte[], byte[]> rawProducer;
  private KafkaConsumer<byte[], byte[]> rawConsumer;
  private long version;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    broker = EmbeddedKafkaBroker.startTemporary();
    String bs = broker.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
      SnapshotTopic.ensure(admin, SNAPSHOTS, 1, (short) 1);
      admin.createTopics(List.of(new NewTopic(RAW, 1, (short) 1))).all().get();
    }
    parameters = new byte[mebibytes * 1024 * 1024];
    new Random(1).nextBytes(parameters);
    publisher = new TransactionalSnapshotPublisher(
        bs, "bench-snapshots", SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES);
    follower = SnapshotFollower.start(
        bs, SNAPSHOTS, "bench", SnapshotFollower.DEFAULT_MAX_SNAPSHOT_BYTES);
    Properties pp = new Properties();
    pp.put("bootstrap.servers", bs);
    pp.put("acks", "all");
    pp.put("enable.idempotence", true);
    rawProducer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
    Properties cp = new Properties();
    cp.put("bootstrap.servers", bs);
    rawConsumer =
        new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(RAW, 0);
    rawConsumer.assign(List.of(tp));
    rawConsumer.seekToEnd(List.of(tp));
    rawConsumer.position(tp);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    rawConsumer.close();
    rawProducer.close();
    follower.close();
    publisher.close();
    broker.close();
  }

  @Benchmark
  public ModelSnapshot snapshot() throws InterruptedException {
    version++;
    PrivacyStatement privacy = new PrivacyStatement(8, 1e-5, AccountantKind.PLD, 1.1, 0.01, 1, 1);
    publisher.publish(ModelSnapshot.of(
        "bench", version, version, Instant.now(), "mlp:784-1000-10", parameters, privacy));
    return follower.awaitVersion(version, WAIT)
        .orElseThrow(() -> new IllegalStateException("follower did not get version " + version));
  }

  @Benchmark
  public long rawBytes() throws Exception {
    int chunk = SnapshotPublisher.DEFAULT_CHUNK_BYTES;
    int count = 0;
    for (int from = 0; from < parameters.length; from += chunk) {
      byte[] part = new byte[Math.min(chunk, parameters.length - from)];
      System.arraycopy(parameters, from, part, 0, part.length);
      rawProducer.send(new ProducerRecord<>(RAW, 0, null, part));
      count++;
    }
    rawProducer.flush();
    long bytes = 0;
    int seen = 0;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (seen < count) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("raw records missing");
      for (var r : rawConsumer.poll(Duration.ofMillis(100))) {
        bytes += r.value().length;
        seen++;
      }
    }
    return bytes;
  }

  /** Runs both benchmarks and prints the ratio of their mean times. */
  public static void main(String[] args) throws Exception {
    String mib = args.length > 0 ? args[0] : "50";
    var results = new Runner(new OptionsBuilder()
        .include(SnapshotRoundTripBenchmark.class.getName())
        .param("mebibytes", mib)
        .build()).run();
    double snapshot = Double.NaN;
    double raw = Double.NaN;
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      double ms = r.getPrimaryResult().getScore();
      if (name.endsWith(".snapshot")) snapshot = ms;
      if (name.endsWith(".rawBytes")) raw = ms;
    }
    System.out.printf(Locale.ROOT,
        "{\"mebibytes\": %s, \"snapshot_ms\": %.1f, \"raw_bytes_ms\": %.1f, \"ratio\": %.2f}%n",
        mib, snapshot, raw, snapshot / raw);
  }
}
