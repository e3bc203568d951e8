package io.dpstream.stream;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.config.GateSection;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.GateObserver;
import io.dpstream.privacy.BudgetPolicy;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The gate's Kafka Streams topology, as a pure function of its configuration (no broker needed, so
 * {@code TopologyTestDriver} drives it):
 *
 * <pre>
 * training-records ─► gate processor ─┬─► training-records-dlq   (invalid: original bytes + reason headers)
 *                      │  ▲           ├─► step-contributions     (sampled users' records, then the marker)
 *   gate-pools ◄───────┘  │           ├─► privacy-ledger         (every charge)
 *   gate-ledgers ◄────────┤           └─► budget-alerts          (warning fraction reached, exhausted)
 *   gate-progress ◄───────┘
 * </pre>
 *
 * <p>All three stores are persistent (RocksDB) and changelogged; run with {@code exactly_once_v2}
 * ({@link GateStreamsConfig}) so that store updates, outputs and input offsets commit atomically.
 * See the README section "The step protocol".
 */
public final class GateTopology {
  /** userId → the user's pool ({@link UserPool} bytes); absent = empty pool. */
  public static final String POOL_STORE = "gate-pools";
  /** userId → the user's ledger ({@code UserLedgerCodec} bytes); absent = never charged. */
  public static final String LEDGER_STORE = "gate-ledgers";
  /**
   * userId → a pooled user's charge base ({@link UserPool#encodeChargeBase}) when it was rewritten
   * after the pool was: a due ledger write then costs 16 bytes instead of a rewrite of the pool.
   * Absent = the pool's own header holds the base.
   */
  public static final String CHARGE_BASE_STORE = "gate-charge-bases";
  /** input partition → the partition's durable progress and outcome counts. */
  public static final String PROGRESS_STORE = "gate-progress";

  static final String SOURCE = "training-records-source";
  static final String PROCESSOR = "gate";
  static final String DLQ_SINK = "dlq-sink";
  static final String STEP_SINK = "step-contributions-sink";
  static final String LEDGER_SINK = "privacy-ledger-sink";
  static final String ALERT_SINK = "budget-alerts-sink";

  private GateTopology() {}

  /**
   * The production topology: the policy's step cap from the configured accountant, sampling coins
   * from a fresh {@link SecureRandom} per task.
   */
  public static Topology buildTopology(DpstreamConfig config, GateObserver observer) {
    requireRunnable(config); // before the accountant's work
    return buildTopology(
        config, BudgetPolicy.create(config.privacy().policy()), observer, SecureRandom::new);
  }

  /**
   * The topology with an explicit budget policy and randomness (tests and benchmarks).
   *
   * @param randomness called once per task for the sampler's source
   * @throws IllegalArgumentException if the configuration cannot run a gate (no feature count)
   */
  public static Topology buildTopology(
      DpstreamConfig config,
      BudgetPolicy policy,
      GateObserver observer,
      Supplier<SecureRandom> randomness) {
    requireRunnable(config);
    Topology t = new Topology();
    // 1. Raw bytes in: decoding happens in the processor so undecodable records reach the DLQ.
    t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.TRAINING_RECORDS);
    // 2-4. Validate, budget-gate, pool, and close steps, all in one processor (one transaction).
    // ε per step count, once for all tasks (and a too-large step cap fails here, not in a task).
    EpsilonSchedule schedule =
        new EpsilonSchedule(policy, config.privacy().warningFraction() * policy.config().epsilonCap());
    t.addProcessor(
        PROCESSOR, () -> new GateProcessor(config, policy, schedule, observer, randomness), SOURCE);
    // No record caches on the per-user stores: a record cache saves writes of keys written again
    // within a commit interval, rare for these, and costs a sorted copy per write.
    t.addStateStore(store(POOL_STORE, Serdes.String()).withCachingDisabled(), PROCESSOR);
    t.addStateStore(store(LEDGER_STORE, Serdes.String()).withCachingDisabled(), PROCESSOR);
    t.addStateStore(store(CHARGE_BASE_STORE, Serdes.String()).withCachingDisabled(), PROCESSOR);
    t.addStateStore(store(PROGRESS_STORE, Serdes.Integer()).withCachingEnabled(), PROCESSOR);
    // Outputs.
    ByteArraySerializer bytes = new ByteArraySerializer();
    t.addSink(DLQ_SINK, Topics.TRAINING_RECORDS_DLQ, bytes, bytes, PROCESSOR);
    Serializer<StepOutput> stepValue = (topic, v) -> v.bytes();
    t.addSink(STEP_SINK, Topics.STEP_CONTRIBUTIONS, bytes, stepValue, new ByGatePartition(), PROCESSOR);
    t.addSink(LEDGER_SINK, Topics.PRIVACY_LEDGER, bytes, bytes, PROCESSOR);
    t.addSink(ALERT_SINK, Topics.BUDGET_ALERTS, bytes, bytes, PROCESSOR);
    return t;
  }

  /** Routes a gate partition's step messages to one step-contributions partition, in order. */
  @SuppressWarnings("removal") // the four-argument form is still abstract in Kafka 4.4
  private static final class ByGatePartition implements StreamPartitioner<byte[], StepOutput> {
    @Override
    public Optional<Set<Integer>> partitions(
        String topic, byte[] key, StepOutput value, org.apache.kafka.common.header.Headers headers, int partitions) {
      return Optional.of(Set.of(value.gatePartition() % partitions));
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, byte[] key, StepOutput value, int partitions) {
      return Optional.of(Set.of(value.gatePartition() % partitions));
    }
  }

  private static void requireRunnable(DpstreamConfig config) {
    if (config.gate().featureCount() == GateSection.FEATURES_NOT_SET)
      throw new IllegalArgumentException(
          "gate.featureCount must be set: the number of dense features every record carries (0 for embedding-only models)");
  }

  private static <K> StoreBuilder<KeyValueStore<K, byte[]>> store(
      String name, org.apache.kafka.common.serialization.Serde<K> keySerde) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keySerde, Serdes.ByteArray())
        .withLoggingEnabled(java.util.Map.of());
  }
}
