package io.dpstream.stream;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMessage;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.UserLedger;
import io.dpstream.privacy.UserLedgerCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** A gate topology under TopologyTestDriver, with a 1 s time-triggered step by default. */
final class GateFixture implements AutoCloseable {
  static final long PERIOD_MS = 1000;
  /** Wall-clock start: the beginning of step 1000. */
  static final Instant START = Instant.ofEpochMilli(1000 * PERIOD_MS);

  final DpstreamConfig config;
  final BudgetPolicy policy;
  final CountingGateObserver observer = new CountingGateObserver();
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> input;
  final TestOutputTopic<byte[], byte[]> dlq;
  final TestOutputTopic<byte[], byte[]> steps;
  final TestOutputTopic<byte[], byte[]> ledger;
  final TestOutputTopic<byte[], byte[]> alerts;
  private final Path stateDir;

  GateFixture(Map<String, String> overrides, long stepCap) {
    this(overrides, stepCap, new SecureRandom());
  }

  GateFixture(Map<String, String> overrides, long stepCap, SecureRandom random) {
    Map<String, String> settings = new HashMap<>();
    settings.put("gate.featureCount", "4");
    settings.put("gate.labelClasses", "3");
    settings.put("gate.stepPeriod", PERIOD_MS + "ms");
    settings.put("privacy.samplingRate", "0.5");
    settings.put("topics.partitions", "1");
    settings.putAll(overrides);
    this.config = DpstreamConfig.of(settings);
    this.policy = BudgetPolicy.withStepCap(config.privacy().policy(), stepCap);
    try {
      this.stateDir = Files.createTempDirectory(stateParent(), "gate-ttd-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    this.driver =
        new TopologyTestDriver(
            GateTopology.buildTopology(config, policy, observer, () -> random), props, START);
    ByteArraySerializer ser = new ByteArraySerializer();
    ByteArrayDeserializer de = new ByteArrayDeserializer();
    input = driver.createInputTopic(Topics.TRAINING_RECORDS, ser, ser, START, Duration.ZERO);
    dlq = driver.createOutputTopic(Topics.TRAINING_RECORDS_DLQ, de, de);
    steps = driver.createOutputTopic(Topics.STEP_CONTRIBUTIONS, de, de);
    ledger = driver.createOutputTopic(Topics.PRIVACY_LEDGER, de, de);
    alerts = driver.createOutputTopic(Topics.BUDGET_ALERTS, de, de);
  }

  /**
   * Where the RocksDB state goes: a RAM file system when the OS has one. TopologyTestDriver
   * commits, and so flushes every store and fsyncs a checkpoint file, after every record; on a disk
   * that dominates a long run.
   */
  private static Path stateParent() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) return shm;
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  void send(String userId, byte[] value) {
    input.pipeInput(GateRecords.key(userId), value);
  }

  void sendValid(String userId) {
    send(userId, GateRecords.encode(GateRecords.record(userId, 4, 1).build()));
  }

  /** Advances the wall clock by one step period: the open step closes. */
  void closeStep() {
    driver.advanceWallClockTime(Duration.ofMillis(PERIOD_MS));
  }

  List<StepMessage> stepMessages() {
    return steps.readValuesToList().stream().map(GateRecords::step).toList();
  }

  List<TestRecord<byte[], byte[]>> stepRecords() {
    return steps.readRecordsToList();
  }

  List<PrivacyLedgerEntry> ledgerEntries() {
    return ledger.readValuesToList().stream().map(GateMessages::ledgerEntry).toList();
  }

  List<BudgetAlert> alertList() {
    return alerts.readValuesToList().stream().map(GateMessages::budgetAlert).toList();
  }

  KeyValueStore<String, byte[]> pools() {
    return driver.getKeyValueStore(GateTopology.POOL_STORE);
  }

  UserLedger ledgerOf(String userId) {
    byte[] b = driver.<String, byte[]>getKeyValueStore(GateTopology.LEDGER_STORE).get(userId);
    return b == null ? UserLedger.EMPTY : UserLedgerCodec.decode(b);
  }

  @Override
  public void close() {
    driver.close();
    try (var walk = Files.walk(stateDir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException ignored) {
      // a temporary directory
    }
  }
}
