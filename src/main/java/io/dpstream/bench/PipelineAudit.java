package io.dpstream.bench;

import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.avro.SnapshotManifest;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.UserContribution;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.PrivacyAccountant;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.SnapshotAssembler;
import io.dpstream.snapshot.SnapshotKeys;
import io.dpstream.stream.DeadLetterHeaders;
import io.dpstream.stream.GateMessages;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Checks, from what a finished run left on its topics only, dpstream's two promises and the
 * trainer's: the four figures of a fault run.
 *
 * <ol>
 *   <li><b>ε never under-counted.</b> For every user, the steps in which their data was certainly
 *       eligible are reconstructed from the input topic and the gate's step messages, not from the
 *       gate's ledger: a record at input offset o of partition p was processed before the close of
 *       the first step whose marker counts more than o processed records (markers carry cumulative
 *       outcome counts, and a partition's records and closes are processed in one order); from
 *       then on it stayed in its user's pool, so the user was charged at every close of p until
 *       the record was last sampled, and (unless the user was exhausted) at every close up to
 *       {@code retentionSteps} after the previous close. The user's final ledger on privacy-ledger
 *       must record at least that many steps and at least the ε the accountant gives for them,
 *       computed here afresh.
 *   <li><b>Every input record has exactly one outcome.</b> The last marker of each partition counts
 *       admitted + dropped-for-budget + dead-lettered records; their sum must equal the partition's
 *       records, and the dead-letter topic must name exactly the malformed input offsets, once.
 *   <li><b>Snapshots.</b> Manifest versions on model-snapshots strictly increase and every version
 *       reassembles and verifies ({@link SnapshotAssembler}: chunk count, size, both SHA-256s).
 *   <li><b>Steps.</b> privacy-metrics holds trainer steps 1, 2, ..., N, each once, on strictly
 *       increasing gate steps, and every gate step with a committed marker was trained.
 * </ol>
 */
final class PipelineAudit {
  /** What the run was configured with, as the audit needs it. */
  record Setup(
      String bootstrapServers,
      String modelId,
      int featureCount,
      long retentionSteps,
      double epsilonCap,
      double delta,
      double samplingRate,
      double noiseMultiplier,
      AccountantKind accountant) {}

  /** Figure (a). */
  record EpsilonFigure(
      int users,
      int usersWithLedger,
      int usersExhausted,
      long stepCap,
      long impliedSteps,
      long recordedSteps,
      int underCountedUsers,
      double smallestMargin,
      String worstUser) {
    boolean holds() {
      return underCountedUsers == 0;
    }
  }

  /** Figure (b). */
  record OutcomeFigure(
      long inputs,
      long admitted,
      long droppedForBudget,
      long deadLettered,
      long malformedInputs,
      long deadLetterEntries,
      long deadLetterMismatches,
      long repeatedMarkerSteps) {
    long unaccounted() {
      return inputs - admitted - droppedForBudget - deadLettered;
    }

    boolean holds() {
      return unaccounted() == 0
          && deadLettered == malformedInputs
          && deadLetterEntries == malformedInputs
          && deadLetterMismatches == 0
          && repeatedMarkerSteps == 0
          && droppedForBudget > 0
          && admitted > 0;
    }
  }

  /** Figure (c). */
  record SnapshotFigure(long manifests, long verified, long rejected, long notIncreasing, long lastVersion) {
    boolean holds() {
      return manifests > 0 && verified == manifests && rejected == 0 && notIncreasing == 0;
    }
  }

  /** Figure (d). */
  record StepFigure(
      long trainerSteps,
      long lastStep,
      long repeated,
      long skipped,
      long gateStepsNotIncreasing,
      long markedGateSteps,
      long markedGateStepsUntrained,
      long lateContributions) {
    boolean holds() {
      return trainerSteps > 0
          && lastStep == trainerSteps
          && repeated == 0
          && skipped == 0
          && gateStepsNotIncreasing == 0
          && markedGateStepsUntrained == 0;
    }
  }

  /** The four figures. */
  record Figures(EpsilonFigure epsilon, OutcomeFigure outcomes, SnapshotFigure snapshots, StepFigure steps) {
    boolean hold() {
      return epsilon.holds() && outcomes.holds() && snapshots.holds() && steps.holds();
    }
  }

  /** One record of the input topic; {@code eventTime} identifies it in contributions. */
  record Input(int partition, long offset, String userId, long eventTime, boolean malformed) {}

  /** One gate partition's marker: its step and the input records processed before it. */
  record Marker(long step, long processed, StepMarker body) {}

  private PipelineAudit() {}

  /** Reads every topic the run wrote and computes the four figures. */
  static Figures run(Setup setup) {
    Duration timeout = Duration.ofMinutes(2);
    String bs = setup.bootstrapServers();
    List<Input> inputs = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.TRAINING_RECORDS, timeout)) {
      TrainingRecord t = GateMessages.trainingRecord(r.value());
      inputs.add(
          new Input(
              r.partition(), r.offset(), t.getUserId(), t.getEventTime().toEpochMilli(),
              t.getFeatures().size() != setup.featureCount()));
    }
    Map<Integer, List<Marker>> markers = new TreeMap<>();
    // user -> gate partition -> (step -> event times of the records contributed)
    Map<String, TreeMap<Long, List<Long>>> contributed = new HashMap<>();
    long repeatedMarkerSteps = 0;
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.STEP_CONTRIBUTIONS, timeout)) {
      StepMessage m = GateMessages.stepMessage(r.value());
      if (m.getBody() instanceof StepMarker sm) {
        List<Marker> list = markers.computeIfAbsent(m.getGatePartition(), k -> new ArrayList<>());
        long processed = sm.getRecordsAdmitted() + sm.getRecordsDroppedForBudget() + sm.getRecordsDeadLettered();
        if (!list.isEmpty() && list.get(list.size() - 1).step() >= m.getStep()) repeatedMarkerSteps++;
        list.add(new Marker(m.getStep(), processed, sm));
      } else if (m.getBody() instanceof UserContribution c) {
        List<Long> times = new ArrayList<>();
        for (TrainingRecord t : c.getRecords()) times.add(t.getEventTime().toEpochMilli());
        contributed.computeIfAbsent(c.getUserId(), k -> new TreeMap<>()).put(m.getStep(), times);
      }
    }
    Map<String, PrivacyLedgerEntry> ledger = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.PRIVACY_LEDGER, timeout)) {
      PrivacyLedgerEntry e = GateMessages.ledgerEntry(r.value());
      ledger.put(e.getUserId(), e); // in offset order per partition, and a user lives on one partition
    }
    OutcomeFigure outcomes = outcomes(bs, inputs, markers, repeatedMarkerSteps, timeout);
    EpsilonFigure epsilon = epsilon(setup, inputs, markers, contributed, ledger);
    SnapshotFigure snapshots = snapshots(bs, setup.modelId(), timeout);
    StepFigure steps = steps(bs, markers, timeout);
    return new Figures(epsilon, outcomes, snapshots, steps);
  }

  private static OutcomeFigure outcomes(
      String bs, List<Input> inputs, Map<Integer, List<Marker>> markers, long repeatedMarkerSteps, Duration timeout) {
    long admitted = 0, dropped = 0, dead = 0;
    for (List<Marker> list : markers.values()) {
      StepMarker last = list.get(list.size() - 1).body();
      admitted += last.getRecordsAdmitted();
      dropped += last.getRecordsDroppedForBudget();
      dead += last.getRecordsDeadLettered();
    }
    Set<String> malformed = new HashSet<>();
    for (Input in : inputs) if (in.malformed()) malformed.add(in.partition() + "@" + in.offset());
    Set<String> seen = new HashSet<>();
    long entries = 0, mismatches = 0;
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.TRAINING_RECORDS_DLQ, timeout)) {
      entries++;
      String where = header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET);
      if (!malformed.contains(where) || !seen.add(where)) mismatches++;
    }
    return new OutcomeFigure(
        inputs.size(), admitted, dropped, dead, malformed.size(), entries, mismatches, repeatedMarkerSteps);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
  }

  /**
   * Figure (a) from the input records, every gate partition's markers in order, the contributions
   * (user, then step, then the event times of the records sent) and each user's final ledger.
   */
  static EpsilonFigure epsilon(
      Setup setup,
      List<Input> inputs,
      Map<Integer, List<Marker>> markers,
      Map<String, TreeMap<Long, List<Long>>> contributed,
      Map<String, PrivacyLedgerEntry> ledger) {
    PrivacyAccountant accountant = PrivacyAccountant.of(setup.accountant());
    // The policy states ε at δ/2 (BudgetPolicy): the stricter reading is checked.
    double delta = setup.delta() / 2;
    Map<Long, Double> epsilonOf = new HashMap<>();
    java.util.function.LongFunction<Double> eps =
        k -> epsilonOf.computeIfAbsent(
            k, n -> accountant.epsilon(setup.samplingRate(), setup.noiseMultiplier(), n, delta));
    // The cap, recomputed: the largest step count whose ε stays within ε_cap.
    long cap = 0;
    while (eps.apply(cap + 1) <= setup.epsilonCap()) cap++;

    // Where each record was last sampled, by (user, event time).
    Map<String, Map<Long, Long>> lastSampled = new HashMap<>();
    contributed.forEach(
        (user, bySteps) -> {
          Map<Long, Long> m = new HashMap<>();
          bySteps.forEach((step, times) -> times.forEach(t -> m.merge(t, step, Math::max)));
          lastSampled.put(user, m);
        });
    Map<String, TreeSet<Long>> certain = new HashMap<>(); // no matter what: sampled, or pooled between
    Map<String, TreeSet<Long>> unlessExhausted = new HashMap<>();
    Map<Integer, long[]> stepsOf = new HashMap<>();
    Map<Integer, long[]> processedOf = new HashMap<>();
    markers.forEach(
        (p, list) -> {
          stepsOf.put(p, list.stream().mapToLong(Marker::step).toArray());
          processedOf.put(p, list.stream().mapToLong(Marker::processed).toArray());
        });
    Set<String> users = new TreeSet<>();
    for (Input in : inputs) {
      if (in.malformed()) continue;
      users.add(in.userId());
      long[] steps = stepsOf.get(in.partition());
      long[] processed = processedOf.get(in.partition());
      if (steps == null) continue;
      int i = firstAbove(processed, in.offset());
      if (i < 0) continue; // never processed before a close: the drain would have failed figure (b)
      TreeSet<Long> c = certain.computeIfAbsent(in.userId(), k -> new TreeSet<>());
      Long sampledLast = lastSampled.getOrDefault(in.userId(), Map.of()).get(in.eventTime());
      if (sampledLast != null) {
        for (int j = i; j < steps.length && steps[j] <= sampledLast; j++) c.add(steps[j]);
      }
      if (i > 0) {
        long until = steps[i - 1] + setup.retentionSteps();
        TreeSet<Long> u = unlessExhausted.computeIfAbsent(in.userId(), k -> new TreeSet<>());
        for (int j = i; j < steps.length && steps[j] <= until; j++) u.add(steps[j]);
      }
    }
    contributed.forEach((user, bySteps) -> certain.computeIfAbsent(user, k -> new TreeSet<>()).addAll(bySteps.keySet()));

    int underCounted = 0, withLedger = 0, exhausted = 0;
    long impliedTotal = 0, recordedTotal = 0;
    double smallestMargin = Double.POSITIVE_INFINITY;
    String worst = "";
    for (String user : users) {
      TreeSet<Long> c = certain.getOrDefault(user, new TreeSet<>());
      TreeSet<Long> all = new TreeSet<>(c);
      all.addAll(unlessExhausted.getOrDefault(user, new TreeSet<>()));
      long implied = Math.max(c.size(), Math.min(all.size(), cap));
      PrivacyLedgerEntry e = ledger.get(user);
      long recordedSteps = e == null ? 0 : e.getLedger().getSteps();
      double recordedEps = e == null ? 0 : e.getLedger().getEpsilon();
      if (e != null) withLedger++;
      if (e != null && e.getExhausted()) exhausted++;
      double impliedEps = implied == 0 ? 0 : eps.apply(implied);
      double margin = recordedEps - impliedEps;
      impliedTotal += implied;
      recordedTotal += recordedSteps;
      if (recordedSteps < implied || margin < -1e-9 * Math.max(1, impliedEps)) underCounted++;
      if (margin < smallestMargin) {
        smallestMargin = margin;
        worst = user + " (recorded " + recordedSteps + " steps, eps " + fmt(recordedEps)
            + "; implied " + implied + " steps, eps " + fmt(impliedEps) + ")";
      }
    }
    return new EpsilonFigure(
        users.size(), withLedger, exhausted, cap, impliedTotal, recordedTotal, underCounted,
        smallestMargin, worst);
  }

  /** Index of the first element greater than {@code value} in a non-decreasing array, or -1. */
  private static int firstAbove(long[] sorted, long value) {
    int lo = 0, hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] > value) hi = mid;
      else lo = mid + 1;
    }
    return lo < sorted.length ? lo : -1;
  }

  private static SnapshotFigure snapshots(String bs, String modelId, Duration timeout) {
    SnapshotAssembler assembler = new SnapshotAssembler(modelId, Integer.MAX_VALUE - 8);
    long manifests = 0, verified = 0, notIncreasing = 0, last = 0;
    String manifestKey = SnapshotKeys.manifestKey(modelId);
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.MODEL_SNAPSHOTS, timeout)) {
      String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
      if (manifestKey.equals(key) && r.value() != null) {
        manifests++;
        long v;
        try {
          v = SnapshotManifest.fromByteBuffer(ByteBuffer.wrap(r.value())).getVersion();
        } catch (java.io.IOException | RuntimeException e) {
          v = -1;
        }
        if (v <= last) notIncreasing++;
        last = Math.max(last, v);
      }
      Optional<ModelSnapshot> s = assembler.offer(key, r.value());
      if (s.isPresent()) verified++;
    }
    return new SnapshotFigure(manifests, verified, assembler.rejectedVersions(), notIncreasing, last);
  }

  private static StepFigure steps(String bs, Map<Integer, List<Marker>> markers, Duration timeout) {
    long count = 0, last = 0, repeated = 0, skipped = 0, gateNotIncreasing = 0, late = 0;
    long lastGate = Long.MIN_VALUE;
    Set<Long> trainedGateSteps = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedTopic.readAll(bs, Topics.PRIVACY_METRICS, timeout)) {
      PrivacyMetrics m;
      try {
        m = PrivacyMetrics.fromByteBuffer(ByteBuffer.wrap(r.value()));
      } catch (java.io.IOException e) {
        throw new IllegalStateException("unreadable privacy-metrics record at offset " + r.offset(), e);
      }
      count++;
      if (m.getStep() <= last) repeated++;
      else if (m.getStep() > last + 1) skipped += m.getStep() - last - 1;
      last = Math.max(last, m.getStep());
      if (m.getGateStep() <= lastGate) gateNotIncreasing++;
      lastGate = Math.max(lastGate, m.getGateStep());
      trainedGateSteps.add(m.getGateStep());
      late = Math.max(late, m.getLateContributionsDiscarded());
    }
    Set<Long> marked = new TreeSet<>();
    markers.values().forEach(l -> l.forEach(mk -> marked.add(mk.step())));
    long untrained = marked.stream().filter(s -> !trainedGateSteps.contains(s)).count();
    return new StepFigure(count, last, repeated, skipped, gateNotIncreasing, marked.size(), untrained, late);
  }

  /** The four figures as lines of text. */
  static String describe(Figures f) {
    EpsilonFigure a = f.epsilon();
    OutcomeFigure b = f.outcomes();
    SnapshotFigure c = f.snapshots();
    StepFigure d = f.steps();
    return String.join(
        System.lineSeparator(),
        String.format(java.util.Locale.ROOT,
            "(a) epsilon: %d of %d users under-counted (recorded below the epsilon of the steps their data was eligible in);"
                + " %d users with a ledger, %d exhausted (cap %d steps); eligible steps reconstructed %d, recorded %d;"
                + " smallest margin %s: %s  [%s]",
            a.underCountedUsers(), a.users(), a.usersWithLedger(), a.usersExhausted(), a.stepCap(),
            a.impliedSteps(), a.recordedSteps(), fmt(a.smallestMargin()), a.worstUser(), ok(a.holds())),
        String.format(java.util.Locale.ROOT,
            "(b) outcomes: %d input records = %d admitted + %d dropped for budget + %d dead-lettered; unaccounted %d;"
                + " %d malformed inputs, %d dead letters, %d misplaced or repeated; repeated step closes %d  [%s]",
            b.inputs(), b.admitted(), b.droppedForBudget(), b.deadLettered(), b.unaccounted(), b.malformedInputs(),
            b.deadLetterEntries(), b.deadLetterMismatches(), b.repeatedMarkerSteps(), ok(b.holds())),
        String.format(java.util.Locale.ROOT,
            "(c) snapshots: %d manifests, %d verified, %d rejected, %d versions not above their predecessor; last version %d  [%s]",
            c.manifests(), c.verified(), c.rejected(), c.notIncreasing(), c.lastVersion(), ok(c.holds())),
        String.format(java.util.Locale.ROOT,
            "(d) steps: %d trainer steps (last %d), %d repeated, %d skipped, %d gate steps out of order;"
                + " %d of %d gate steps with a marker untrained; %d late contributions discarded  [%s]",
            d.trainerSteps(), d.lastStep(), d.repeated(), d.skipped(), d.gateStepsNotIncreasing(),
            d.markedGateStepsUntrained(), d.markedGateSteps(), d.lateContributions(), ok(d.holds())));
  }

  private static String ok(boolean holds) {
    return holds ? "OK" : "FAILED";
  }

  private static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.6f", v);
  }
}
