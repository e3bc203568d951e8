package io.dpstream.stream;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.SingleObjectWriter;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.TrustedAvroTypes;
import io.dpstream.avro.UserContribution;
import io.dpstream.avro.UserLedgerState;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.config.GateSection;
import io.dpstream.config.StepTrigger;
import io.dpstream.metrics.GateObserver;
import io.dpstream.metrics.StepClosed;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.UserLedger;
import io.dpstream.privacy.UserLedgerCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate of one input partition (DESIGN §3, steps 1 to 4): validate, budget-gate, pool, and close
 * steps. Everything it writes in one call (store updates, ledger entries, alerts, contributions,
 * marker) belongs to one Kafka Streams task and therefore to one exactly-once transaction, together
 * with the input offsets: a charge is never visible without the contributions it allows, nor the
 * reverse.
 */
final class GateProcessor implements Processor<byte[], byte[], byte[], Object> {
  private static final Logger log = LoggerFactory.getLogger(GateProcessor.class);
  private static final ByteBuffer CURRENT_HEADER = currentRecordHeader();
  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  static {
    TrustedAvroTypes.install();
  }

  private final DpstreamConfig config;
  private final GateSection gate;
  private final BudgetPolicy policy;
  private final GateObserver observer;
  private final Supplier<SecureRandom> randomness;
  private final RecordValidation validation;
  private final EpsilonSchedule schedule;
  // One writer per output type, reused: the generated toByteBuffer is several times slower.
  private final SingleObjectWriter<UserLedgerState> ledgerWriter =
      new SingleObjectWriter<>(UserLedgerState.getClassSchema());
  private final SingleObjectWriter<PrivacyLedgerEntry> entryWriter =
      new SingleObjectWriter<>(PrivacyLedgerEntry.getClassSchema());
  private final SingleObjectWriter<BudgetAlert> alertWriter =
      new SingleObjectWriter<>(BudgetAlert.getClassSchema());
  private final SingleObjectWriter<StepMessage> stepWriter =
      new SingleObjectWriter<>(StepMessage.getClassSchema());

  private ProcessorContext<byte[], Object> context;
  private KeyValueStore<String, byte[]> pools;
  private KeyValueStore<String, byte[]> ledgers;
  private KeyValueStore<String, byte[]> chargeBases;
  private KeyValueStore<Integer, byte[]> progressStore;
  private PoolIndex index;
  private PoissonSampler sampler;
  private int partition;
  private PartitionProgress progress;

  GateProcessor(
      DpstreamConfig config,
      BudgetPolicy policy,
      EpsilonSchedule schedule,
      GateObserver observer,
      Supplier<SecureRandom> randomness) {
    this.config = config;
    this.gate = config.gate();
    this.policy = policy;
    this.schedule = schedule;
    this.observer = observer;
    this.randomness = randomness;
    this.validation = new RecordValidation(gate);
  }

  @Override
  public void init(ProcessorContext<byte[], Object> context) {
    this.context = context;
    this.pools = context.getStateStore(GateTopology.POOL_STORE);
    this.ledgers = context.getStateStore(GateTopology.LEDGER_STORE);
    this.chargeBases = context.getStateStore(GateTopology.CHARGE_BASE_STORE);
    this.progressStore = context.getStateStore(GateTopology.PROGRESS_STORE);
    this.partition = context.taskId().partition();
    this.progress = PartitionProgress.decode(progressStore.get(partition));
    // Rebuilt, never reused: init runs after restoration, and again on this same instance when
    // the task is revived after a dirty close, when what the old index held may not be committed.
    long t0 = System.nanoTime();
    this.index = PoolIndex.of(pools, chargeBases);
    log.debug(
        "partition {}: indexed {} pooled users in {} s", partition, index.size(), (System.nanoTime() - t0) / 1e9);
    this.sampler = new PoissonSampler(policy.config().samplingRate(), randomness.get());
    if (gate.stepTrigger() == StepTrigger.TIME) {
      if (progress.lastClosedStep < 0) {
        // A new partition: nothing was pooled for earlier steps; the current step is the first.
        progress.lastClosedStep =
            Math.floorDiv(context.currentSystemTimeMs(), gate.stepPeriod().toMillis()) - 1;
      }
      long period = gate.stepPeriod().toMillis();
      // Tick well inside a period so that a boundary is noticed within a tenth of a step.
      long tick = Math.max(5, Math.min(1000, period / 10));
      context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordValidation.Verdict verdict = validation.check(record.key(), record.value());
    if (!verdict.valid()) {
      deadLetter(record, verdict);
      return;
    }
    TrainingRecord r = verdict.record();
    String userId = r.getUserId();
    // The index says whether the user has a pool: no store read for a user who has none.
    byte[] key = record.key(); // the userId's UTF-8 bytes (validated)
    PoolIndex.Entry indexed = index.get(key);
    byte[] pool = indexed == null ? null : storedPool(userId);
    long baseSteps = 0;
    if (pool == null) {
      // Not pooled, so the stored ledger is exact (leaving the pool writes it).
      byte[] storedLedger = ledgers.get(userId);
      // An exhausted user's records, the common case of this branch once users reach the cap,
      // are dropped on a comparison with the canonical exhausted ledger's bytes, without a decode.
      EpsilonSchedule.CanonicalLedger exhausted = schedule.canonicalAfter(schedule.maxSteps());
      UserLedger ledger =
          storedLedger == null
              ? UserLedger.EMPTY
              : exhausted != null && exhausted.isStoredAs(storedLedger)
                  ? exhausted.ledger()
                  : UserLedgerCodec.decode(storedLedger);
      if (!policy.mayTakeStep(ledger)) {
        progress.droppedForBudget++;
        saveProgress();
        observer.droppedForBudget();
        return;
      }
      baseSteps = ledger.steps();
    }
    // A pooled user has budget left: exhaustion releases the pool.
    long now = context.currentSystemTimeMs();
    long step = openStep(now);
    byte[] stored = storedForm(record.value(), r);
    byte[] updated =
        UserPool.append(pool, baseSteps, progress.closedSteps, step, now, stored, gate.maxRecordsPerUser());
    pools.put(userId, updated);
    if (indexed == null) index.add(key, updated);
    else indexed.oldest(updated);
    progress.admitted++;
    progress.admittedSinceStep++;
    observer.admitted();
    if (gate.stepTrigger() == StepTrigger.COUNT && progress.admittedSinceStep >= gate.stepRecords()) {
      closeStep(progress.lastClosedStep + 1, now); // saves progress
    } else {
      saveProgress();
    }
  }

  /** The step a record admitted now is pooled for: the one not closed yet. */
  private long openStep(long nowMillis) {
    if (gate.stepTrigger() == StepTrigger.COUNT) return progress.lastClosedStep + 1;
    return Math.max(Math.floorDiv(nowMillis, gate.stepPeriod().toMillis()), progress.lastClosedStep + 1);
  }

  private void onTick(long nowMillis) {
    long current = Math.floorDiv(nowMillis, gate.stepPeriod().toMillis());
    long ended = current - 1;
    if (ended <= progress.lastClosedStep) return;
    if (ended > progress.lastClosedStep + 1) {
      // The gate was down or its thread busy through whole windows. Skipped steps charge nobody and
      // emit nothing: closing them late would spend budget on steps the trainer has given up on.
      long skipped = ended - 1 - progress.lastClosedStep;
      if (skipped > 10)
        log.warn("partition {}: skipping {} steps the gate did not close in time", partition, skipped);
      else
        log.debug("partition {}: skipping {} steps the gate did not close in time", partition, skipped);
    }
    closeStep(ended, nowMillis);
  }

  /**
   * Closes {@code step}: drops expired records, charges every eligible (pooled, not exhausted) user
   * one step, Poisson-samples them, emits the sampled users' contributions, then this partition's
   * marker.
   *
   * <p>A pooled user's charge is recorded by the partition's closed-step count, which advances in
   * this transaction: their step count is {@code baseSteps + closedSteps - asOf} (see {@link
   * UserPool}). Their ledger is written, and published to privacy-ledger, only when it must be:
   * when they leave the pool, reach the warning level, exhaust their budget, or after {@code
   * gate.ledgerPublishSteps} charges. The close walks the in-memory {@link PoolIndex}, in the pool
   * store's key order, and reads a pool from the store only for a user it samples, whose oldest
   * record expires, or whose charge base it rewrites: a step costs a pass over the index plus
   * store work per sampled or transitioning user, not a read of every pooled byte.
   */
  void closeStep(long step, long nowMillis) {
    long t0 = System.nanoTime();
    long cpu0 = THREADS.getCurrentThreadCpuTime();
    long usersPooled = 0;
    long usersCharged = 0;
    long usersSampled = 0;
    long recordsEmitted = 0;
    long retentionSteps = gate.retentionSteps();
    long retentionMillis = gate.retention().toMillis();
    long closed = progress.closedSteps; // closes before this one
    long maxSteps = schedule.maxSteps();
    java.util.Arrays.fill(progress.epsilonBuckets, 0);
    for (Iterator<Map.Entry<byte[], PoolIndex.Entry>> it = index.iterator(); it.hasNext(); ) {
      Map.Entry<byte[], PoolIndex.Entry> kv = it.next();
      PoolIndex.Entry e = kv.getValue();
      String userId = null; // decoded only for users the close acts on
      long base = e.baseSteps;
      long pending = closed - e.asOf; // charged steps not yet in the stored ledger
      // Read lazily: most users of a close are charged without their records being touched.
      byte[] pool = null;
      boolean expiring =
          UserPool.expired(e.oldestStep, e.oldestMillis, step, retentionSteps, nowMillis, retentionMillis);
      if (expiring) {
        userId = PoolIndex.userId(kv.getKey());
        pool = UserPool.expire(storedPool(userId), step, retentionSteps, nowMillis, retentionMillis);
      }
      if ((expiring && pool == null) || base + pending >= maxSteps) {
        if (userId == null) userId = PoolIndex.userId(kv.getKey());
        // Leaves the pool (records expired, or the policy tightened): write what it was charged.
        if (pending > 0) materialise(userId, base, pending, step, nowMillis);
        release(userId, e);
        it.remove();
        continue;
      }
      usersPooled++;
      // Charge first: every eligible user, sampled or not (amplification by sampling).
      long steps = base + pending + 1;
      usersCharged++;
      double epsilon = schedule.epsilonAfter(steps);
      progress.charged(epsilon);
      boolean exhausted = steps >= maxSteps;
      boolean warning = steps == schedule.warningSteps();
      if (sampler.sample()) {
        usersSampled++;
        if (userId == null) userId = PoolIndex.userId(kv.getKey());
        if (pool == null) pool = storedPool(userId);
        recordsEmitted += emitContribution(userId, pool, step, nowMillis);
      }
      if (exhausted || warning || pending + 1 >= gate.ledgerPublishSteps()) {
        if (userId == null) userId = PoolIndex.userId(kv.getKey());
        UserLedger after = materialise(userId, base, pending + 1, step, nowMillis);
        if (warning) {
          progress.usersNearCap++;
          publishAlert(userId, BudgetAlertKind.WARNING, after, step, nowMillis);
        }
        if (exhausted) {
          progress.usersExhausted++;
          publishAlert(userId, BudgetAlertKind.EXHAUSTED, after, step, nowMillis);
          release(userId, e);
          it.remove();
          continue;
        }
        // The new base goes to its own small store: the pool (records and all) is not rewritten.
        chargeBases.put(userId, UserPool.encodeChargeBase(after.steps(), closed + 1));
        e.rebase(after.steps(), closed + 1);
      }
      if (expiring) {
        pools.put(userId, pool);
        e.oldest(pool);
      }
    }
    progress.closedSteps = closed + 1;
    progress.lastClosedStep = step;
    progress.admittedSinceStep = 0;
    saveProgress();
    double seconds = (System.nanoTime() - t0) / 1e9;
    emitMarker(step, nowMillis, usersPooled, usersCharged, usersSampled, recordsEmitted);
    observer.stepClosed(
        new StepClosed(
            partition, step, usersPooled, usersCharged, usersSampled, progress.usersNearCap,
            progress.usersExhausted, progress.maxEpsilon, progress.bucketList(), seconds));
    log.debug(
        "partition {} closed step {}: {} pooled, {} charged, {} sampled in {} s ({} s of CPU)",
        partition, step, usersPooled, usersCharged, usersSampled, seconds,
        (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9);
  }

  /** Deletes a user's pool and charge base: they leave the pool (the caller drops their entry). */
  private void release(String userId, PoolIndex.Entry e) {
    pools.delete(userId);
    if (e.chargeBaseStored) chargeBases.delete(userId);
  }

  /** The stored pool of a user the index holds. */
  private byte[] storedPool(String userId) {
    byte[] pool = pools.get(userId);
    if (pool == null)
      throw new IllegalStateException(
          "partition " + partition + ": user " + userId + " is indexed as pooled but has no stored pool");
    return pool;
  }

  /**
   * Writes {@code charges} more steps into the user's stored ledger and publishes it to
   * privacy-ledger, in this transaction.
   *
   * @param baseSteps the steps the pool index says the stored ledger holds: when the stored bytes
   *     are the {@linkplain EpsilonSchedule canonical} ledger after that many steps, the ledger
   *     {@code charges} steps later is taken from the schedule instead of being decoded, charged
   *     step by step and encoded (the same value and bytes: the schedule was built by the same
   *     charges). The usual case: every user whose steps were all charged under this policy.
   */
  private UserLedger materialise(String userId, long baseSteps, long charges, long step, long nowMillis) {
    byte[] stored = ledgers.get(userId);
    long target = baseSteps + charges;
    if (target <= schedule.maxSteps()) {
      EpsilonSchedule.CanonicalLedger before = schedule.canonicalAfter(baseSteps);
      if (before != null && (stored == null ? baseSteps == 0 : before.isStoredAs(stored))) {
        EpsilonSchedule.CanonicalLedger after = schedule.canonicalAfter(target);
        ledgers.put(userId, after.stored());
        publishLedger(userId, after.state(), after.ledger(), !policy.mayTakeStep(after.ledger()), step, nowMillis);
        return after.ledger();
      }
    }
    UserLedger ledger = stored == null ? UserLedger.EMPTY : UserLedgerCodec.decode(stored);
    for (long i = 0; i < charges; i++) {
      if (!policy.mayTakeStep(ledger)) {
        // Only if the policy tightened while the user was pooled: the steps were taken, but the
        // new policy cannot price them. Never silently: the operator must look at this user.
        log.error("user {}: {} charged steps exceed the current policy's cap", userId, charges - i);
        break;
      }
      ledger = policy.charge(ledger);
    }
    UserLedgerState state = UserLedgerCodec.toAvro(ledger);
    ledgers.put(userId, ledgerWriter.encode(state));
    publishLedger(userId, state, ledger, !policy.mayTakeStep(ledger), step, nowMillis);
    return ledger;
  }

  private int emitContribution(String userId, byte[] pool, long step, long nowMillis) {
    List<byte[]> newest = UserPool.newest(pool, gate.recordsPerContribution());
    List<TrainingRecord> records = new ArrayList<>(newest.size());
    for (byte[] b : newest) records.add(decodeStored(b));
    StepMessage msg =
        new StepMessage(step, partition, new UserContribution(userId, records));
    context.forward(
        new Record<byte[], Object>(
            userId.getBytes(StandardCharsets.UTF_8), new StepOutput(partition, stepWriter.encode(msg)), nowMillis),
        GateTopology.STEP_SINK);
    return records.size();
  }

  private void emitMarker(
      long step, long nowMillis, long pooled, long charged, long sampled, long recordsEmitted) {
    StepMarker marker =
        StepMarker.newBuilder()
            .setGatePartitions(config.topics().partitions())
            .setClosedAtMillis(java.time.Instant.ofEpochMilli(nowMillis))
            .setUsersPooled(pooled)
            .setUsersCharged(charged)
            .setUsersSampled(sampled)
            .setRecordsEmitted(recordsEmitted)
            .setUsersNearCap(progress.usersNearCap)
            .setUsersExhausted(progress.usersExhausted)
            .setMaxEpsilon(progress.maxEpsilon)
            .setEpsilonBucketCounts(progress.bucketList())
            .setRecordsAdmitted(progress.admitted)
            .setRecordsDroppedForBudget(progress.droppedForBudget)
            .setRecordsDeadLettered(progress.deadLettered)
            .build();
    StepMessage msg = new StepMessage(step, partition, marker);
    context.forward(
        new Record<byte[], Object>(null, new StepOutput(partition, stepWriter.encode(msg)), nowMillis),
        GateTopology.STEP_SINK);
  }

  private void publishLedger(
      String userId, UserLedgerState state, UserLedger ledger, boolean exhausted, long step, long now) {
    // The all-arguments constructor: Avro's builders validate and copy defaults, which costs
    // more than the encoding when a step charges a million users.
    PrivacyLedgerEntry entry =
        new PrivacyLedgerEntry(
            userId,
            state,
            policy.config().epsilonCap(),
            policy.config().delta(),
            Math.max(0, policy.maxSteps() - ledger.steps()),
            exhausted,
            step,
            java.time.Instant.ofEpochMilli(now));
    context.forward(
        new Record<byte[], Object>(userId.getBytes(StandardCharsets.UTF_8), entryWriter.encode(entry), now),
        GateTopology.LEDGER_SINK);
  }

  private void publishAlert(String userId, BudgetAlertKind kind, UserLedger ledger, long step, long now) {
    // The all-arguments constructor, as for ledger entries: the builder's validation and default
    // lookups cost more than the encoding when a close exhausts many users.
    BudgetAlert alert =
        new BudgetAlert(
            userId, kind, ledger.epsilon(), policy.config().epsilonCap(), step,
            java.time.Instant.ofEpochMilli(now));
    context.forward(
        new Record<byte[], Object>(userId.getBytes(StandardCharsets.UTF_8), alertWriter.encode(alert), now),
        GateTopology.ALERT_SINK);
  }

  private void deadLetter(Record<byte[], byte[]> record, RecordValidation.Verdict verdict) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    RecordMetadata meta = context.recordMetadata().orElse(null);
    headers.add(DeadLetterHeaders.REASON, utf8(verdict.reason().id()));
    headers.add(DeadLetterHeaders.DETAIL, utf8(verdict.detail()));
    if (meta != null) {
      headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(meta.topic()));
      headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(String.valueOf(meta.partition())));
      headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(String.valueOf(meta.offset())));
    }
    context.forward(
        new Record<byte[], Object>(record.key(), record.value(), record.timestamp(), headers),
        GateTopology.DLQ_SINK);
    progress.deadLettered++;
    saveProgress();
    observer.deadLettered(verdict.reason().id());
  }

  private void saveProgress() {
    progressStore.put(partition, progress.encode());
  }

  /**
   * The form a record is pooled in: its original bytes when written with the current schema, else
   * re-encoded with it, so that the pool never depends on an older writer schema.
   */
  private static byte[] storedForm(byte[] original, TrainingRecord decoded) {
    int n = CURRENT_HEADER.remaining();
    if (original.length >= n
        && Arrays.equals(original, 0, n, CURRENT_HEADER.array(), CURRENT_HEADER.arrayOffset(), n))
      return original;
    return bytes(decoded::toByteBuffer);
  }

  private static TrainingRecord decodeStored(byte[] b) {
    try {
      return TrainingRecord.fromByteBuffer(ByteBuffer.wrap(b));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt pooled record", e);
    }
  }

  /** The 10-byte single-object header (marker + fingerprint) of the compiled TrainingRecord schema. */
  private static ByteBuffer currentRecordHeader() {
    TrainingRecord probe =
        TrainingRecord.newBuilder()
            .setUserId("u")
            .setEventTime(java.time.Instant.EPOCH)
            .setFeatures(List.of())
            .build();
    byte[] all = bytes(probe::toByteBuffer);
    return ByteBuffer.wrap(Arrays.copyOf(all, 10));
  }

  /** Something that encodes itself: a generated Avro class's {@code toByteBuffer}. */
  interface Encodable {
    ByteBuffer encode() throws IOException;
  }

  static byte[] bytes(Encodable record) {
    try {
      ByteBuffer buf = record.encode();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
